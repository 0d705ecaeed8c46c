"""Model and prompt paths on object storage, against the session's moto server: a classifier folder on ``s3://``
scores exactly as its local copy does; remote prompt folders are read before launch; a remote language-ID model is
checked before launch; the commands that only work on local files refuse a URL in one line."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from curate.cli import app
from curate.config import parse_config
from curate.errors import ConfigError
from curate.pipeline import plan_run
from tests.helpers import kept, run_pipeline

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def bucket(s3_server):
    import s3fs

    fs = s3fs.S3FileSystem(endpoint_url=s3_server.url, use_listings_cache=False, skip_instance_cache=True)
    name = f"curate-{uuid.uuid4().hex[:12]}"
    fs.mkdir(name)
    return fs, name


@pytest.fixture
def questions(tmp_path) -> Path:
    """Twelve real GSM8K questions as a JSONL input."""
    lines = (REPO / "data" / "benchmarks" / "gsm8k" / "test.jsonl").read_text(encoding="utf-8").splitlines()[:12]
    path = tmp_path / "in" / "docs.jsonl"
    path.parent.mkdir()
    path.write_text("".join(json.dumps({"id": f"q{i}", "text": json.loads(line)["question"]}) + "\n"
                            for i, line in enumerate(lines)))
    return path


def _score(out: Path, inputs: Path, classifier: str) -> list[dict]:
    # one worker: the tasks run in this process, which sees the session's AWS environment; a pool's workers come from
    # datatrove's forkserver, which keeps the environment of the moment an earlier test of the session started it
    run_pipeline({"output": str(out), "input": {"paths": [str(inputs)], "format": "jsonl"},
                  "executor": {"kind": "local", "tasks": 2, "workers": 1}, "score": {"classifiers": [classifier]}})
    return sorted(kept(out, "score"), key=lambda d: d["id"])


def test_remote_classifier_folder_scores_as_the_local_one(tmp_path, bucket, questions):
    fs, name = bucket
    local = REPO / "classifiers" / "content"
    fs.put(str(local), f"{name}/classifiers/", recursive=True)
    remote = _score(tmp_path / "remote", questions, f"s3://{name}/classifiers/content")
    expected = _score(tmp_path / "local", questions, str(local))
    assert len(expected) == 12
    assert [d["metadata"]["content_score"] for d in remote] == [d["metadata"]["content_score"] for d in expected]


def _plan(tmp_path: Path, inputs: Path, **blocks) -> None:
    plan_run(parse_config({"output": str(tmp_path / "out"), "input": {"paths": [str(inputs)], "format": "jsonl"},
                           **blocks}))


def test_remote_prompt_folders_are_read_before_launch(tmp_path, bucket, questions):
    fs, name = bucket
    style = yaml.safe_load((REPO / "curate" / "rewrite" / "prompts" / "discussion.yaml").read_text())
    fs.pipe(f"{name}/prompts/rewrite/chat.yaml", yaml.safe_dump(style | {"style": "chat"}).encode())
    _plan(tmp_path, questions, rewrite={"styles": ["chat"], "prompt_dir": f"s3://{name}/prompts/rewrite"})
    with pytest.raises(ConfigError, match="chat"):  # the same style without the remote folder is unknown
        _plan(tmp_path, questions, rewrite={"styles": ["chat"]})
    fs.pipe(f"{name}/prompts/seeds/qa.yaml", b"template: [unclosed")
    with pytest.raises(ConfigError, match="qa.yaml is not valid YAML"):  # the remote file is the one read
        _plan(tmp_path, questions, seeds={"extraction": {"prompt_dir": f"s3://{name}/prompts/seeds"}})


def test_remote_language_model_is_checked_before_launch(tmp_path, bucket, questions):
    fs, name = bucket
    language = {"backend": "fasttext", "model": f"s3://{name}/models/lid.176.bin"}
    with pytest.raises(ConfigError, match=f"model file not found: s3://{name}/models/lid.176.bin"):
        _plan(tmp_path, questions, extract={"language": language})
    fs.put(str(REPO / "classifiers" / "content" / "model" / "model.ftz"), f"{name}/models/lid.176.bin")
    _plan(tmp_path, questions, extract={"language": language})  # found: the plan passes


@pytest.mark.parametrize("args", [["classifier", "train", "s3://b/classifiers/edu"],
                                  ["classifier", "eval", "classifiers/edu", "s3://b/test.jsonl"],
                                  ["classifier", "annotate", "s3://b/docs.jsonl", "--recipe", "classifiers/edu",
                                   "-o", "x.jsonl"]])
def test_local_only_commands_refuse_a_url_in_one_line(args):
    result = CliRunner().invoke(app, args)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2 and len(lines) == 1 and "is a URL" in lines[0] and "local files only" in lines[0]


def test_recipe_data_on_a_url_is_refused(tmp_path):
    recipe = yaml.safe_load((REPO / "classifiers" / "content" / "recipe.yaml").read_text())
    recipe["data"] = {**recipe.get("data", {}), "path": "s3://b/labels.jsonl"}
    (tmp_path / "recipe.yaml").write_text(yaml.safe_dump(recipe))
    result = CliRunner().invoke(app, ["classifier", "train", str(tmp_path)])
    assert result.exit_code == 2 and "data.path" in result.output and "local files only" in result.output


def test_remote_mixture_source_folder_counts_its_documents(tmp_path, bucket, questions):
    """A source folder on s3:// is walked like a local one: nested document files count, ``rejected/`` does not."""
    fs, name = bucket
    fs.put(str(questions), f"{name}/src/part/docs.jsonl")
    fs.put(str(questions), f"{name}/src/rejected/x/docs.jsonl")
    out = tmp_path / "out"
    args = ["mixture", "-s", f"docs=s3://{name}/src:1.0", "--budget", "10K", "-o", str(out)]
    res = CliRunner().invoke(app, [*args, "-w", "1"])  # one worker: see _score
    assert res.exit_code == 0, res.output
    manifest = yaml.safe_load((out / "manifest.yaml").read_text())
    assert manifest["sources"]["docs"]["documents"] == 12
