"""A stage added the documented way (one package, one registration line) runs like the built-in ones."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from curate import stages
from curate.cli import run_stage
from curate.cli.options import stage_command
from tests.helpers import kept, rejected, run_pipeline, write_jsonl

DOCS = Path(__file__).resolve().parents[1] / "docs" / "architecture.md"


@pytest.fixture
def registered(monkeypatch):
    """The one registration line: the example package in the registry, after extract."""
    monkeypatch.setattr(stages, "STAGE_PACKAGES", ("curate.extract", "tests.example_stage", *stages.STAGE_PACKAGES[1:]))


@pytest.fixture
def docs(tmp_path):
    texts = ["one two three four five six", "too short", "one two three four five six", "a b c d e f g h"]
    return write_jsonl(tmp_path / "in" / "docs.jsonl", [{"id": f"d{i}", "text": t} for i, t in enumerate(texts)])


def test_the_example_stage_runs_in_a_pipeline_and_feeds_the_next_stage(registered, docs, tmp_path):
    out = tmp_path / "out"
    funnels = run_pipeline({"output": str(out), "input": {"paths": [str(docs)]}, "executor": {"tasks": 2},
                            "wordcount": {"min_words": 5}, "dedup": {}})
    by_stage = {f.stage: f for f in funnels}
    assert (by_stage["wordcount"].docs_in, by_stage["wordcount"].kept) == (4, 3)
    assert by_stage["wordcount"].dropped == {"too_few_words": 1}
    assert by_stage["dedup"].docs_in == 3  # dedup read the example stage's documents artifact
    assert {d["metadata"]["word_count"] for d in kept(out, "wordcount")} == {6, 8}
    assert [d["id"] for d in rejected(out, "wordcount")["too_few_words"]] == ["d1"]
    funnel = json.loads((out / "report" / "funnel.json").read_text())
    assert [s["stage"] for s in funnel["stages"]] == ["wordcount", "dedup"]


def test_the_example_stage_gets_a_generated_command(registered, docs, tmp_path):
    app = typer.Typer()
    app.command("wordcount")(stage_command(stages.spec("wordcount"), run_stage))
    app.command("unused")(lambda: None)  # with two commands, typer keeps the command's name on the command line
    result = CliRunner().invoke(app, ["wordcount", str(docs), "-o", str(tmp_path / "o"), "--min-words", "7"])
    assert result.exit_code == 0, result.output
    assert [d["id"] for d in kept(tmp_path / "o", "wordcount")] == ["d3"]
    assert "documents with fewer words are dropped" in CliRunner().invoke(app, ["wordcount", "--help"]).output


def test_the_architecture_guide_shows_the_example_stage_as_it_is():
    """docs/architecture.md quotes the example stage's files; the quotes must match the files the tests run."""
    guide = DOCS.read_text(encoding="utf-8")
    for name in ("config.py", "stage.py"):
        source = (Path(__file__).parent / "example_stage" / name).read_text(encoding="utf-8")
        blocks = re.findall(rf"```python\n# tests/example_stage/{name}\n(.*?)```", guide, flags=re.S)
        assert blocks == [source], f"docs/architecture.md's copy of tests/example_stage/{name} is out of date"
