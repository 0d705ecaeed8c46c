"""Every edit a filter makes to the text of a page it keeps is written to ``extract/edits/<rule>/``, counted, and
shown in the funnel; by default nothing is edited, and the defaults are the same from the CLI and from a config."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from datatrove.data import Document
from datatrove.pipeline.filters import LambdaFilter
from rich.console import Console

from curate.accounting import DatatroveFilter, Edits, KeepWriter, Rejects
from curate.cli.console import funnel_table
from curate.config import parse_config
from curate.errors import ConfigError
from tests.helpers import kept, read_jsonl_gz, run_pipeline, write_jsonl

BODY = [
    "The committee met on Tuesday to review the annual budget for the public library.",
    "Members agreed that the reading room needs new lighting before the winter.",
    "The treasurer explained how the costs would be shared between the town and the county.",
    "A vote on the children's section was put off until the next meeting in March.",
    "The meeting closed with thanks to the volunteers who run the summer reading club.",
]
LINES = {  # rule -> the line of the page that rule removes
    "c4.too_few_words": "Read more.",
    "c4.no_terminal_punct": "Opening hours for the reading room and the archive",
    "c4.javascript": "Please enable JavaScript in your browser to leave a comment.",
    "c4.policy": "This website uses cookies to give you the best experience.",
    "c4.too_long_word": "A line with a word that is far too long: " + "x" * 1001 + ".",
}
CITED = "Water boils at one hundred degrees at sea level, as the chemists say.[1]"
QUOTED = "The mayor said the plan was “a good start for the town”"  # ends in a typographic closing quote
PAGE = "\n".join([BODY[0], LINES["c4.too_few_words"], BODY[1], "   ", LINES["c4.no_terminal_punct"], BODY[2],
                  LINES["c4.javascript"], BODY[3] + "  ", LINES["c4.policy"], CITED, QUOTED,
                  LINES["c4.too_long_word"], BODY[4]])


def extract_config(tmp_path, c4: dict, texts: dict[str, str]) -> dict:
    inputs = write_jsonl(tmp_path / "in" / "docs.jsonl", [{"id": k, "text": v} for k, v in texts.items()])
    return {"name": "t", "output": str(tmp_path / "out"), "input": {"paths": [str(inputs)]}, "executor": {"tasks": 1},
            "extract": {"language": None, "filters": [{"name": "c4", **c4}]}}


@pytest.fixture(scope="module")
def edited_run(tmp_path_factory):
    """The stage, with C4 cutting lines and its terminal-punctuation rule on, over one page every rule edits."""
    tmp = tmp_path_factory.mktemp("edits")
    (funnel,) = run_pipeline(extract_config(tmp, {"filter_no_terminal_punct": True, "edit_text": True},
                                            {"page": PAGE}))
    return tmp / "out", funnel


@pytest.mark.parametrize("rule", sorted(LINES))
def test_each_removed_line_is_recorded_under_its_rule(edited_run, rule):
    out, funnel = edited_run
    (record,) = read_jsonl_gz(out / "extract" / "edits" / rule)
    assert record["id"] == "page" and record["text"] == LINES[rule]
    assert record["metadata"] == {"edit_rule": rule, "lines_removed": 1, "chars_removed": len(LINES[rule]),
                                  "curate_stage": "extract"}
    assert funnel.edits[rule] == {"docs": 1, "lines": 1, "chars": len(LINES[rule])}


def test_citations_and_whitespace_are_recorded(edited_run):
    out, funnel = edited_run
    (cited,) = read_jsonl_gz(out / "extract" / "edits" / "c4.citation")
    assert cited["text"] == "[1]"
    assert cited["metadata"]["lines_removed"] == 0 and cited["metadata"]["chars_removed"] == 3
    (space,) = read_jsonl_gz(out / "extract" / "edits" / "c4.whitespace")
    assert space["metadata"]["lines_removed"] == 1 and space["metadata"]["chars_removed"] == 3 + 2  # blank, trailing


def test_kept_text_is_the_page_less_its_edits(edited_run):
    out, funnel = edited_run
    (doc,) = kept(out, "extract")
    assert doc["text"].splitlines() == BODY[:3] + [BODY[3], CITED.removesuffix("[1]"), QUOTED, BODY[4]]
    report = json.loads((out / "report" / "funnel.json").read_text())["stages"][0]
    assert report["edits"] == {rule: counts for rule, counts in funnel.edits.items()} and len(report["edits"]) == 7
    shown = Console(width=400, record=True)
    shown.print(funnel_table([funnel]))
    assert "text edited: c4.too_long_word (1 docs, 1 lines)" in shown.export_text()


def test_datatrove_implementation_gives_the_same_edits(tmp_path, edited_run):
    """datatrove's own C4 class (``implementation: datatrove``, C4's punctuation list) keeps the same lines, and
    its removals are recorded per rule too."""
    ours_out, _ = edited_run
    cfg = extract_config(tmp_path, {"filter_no_terminal_punct": True, "typographic_closers": False,
                                    "implementation": "datatrove", "edit_text": True}, {"page": PAGE})
    (funnel,) = run_pipeline(cfg)
    assert set(funnel.edits) == set(LINES) | {"c4.citation", "c4.whitespace"}  # the quoted line goes too
    assert funnel.edits["c4.no_terminal_punct"]["lines"] == 2
    (doc,) = kept(tmp_path / "out", "extract")
    assert QUOTED not in doc["text"] and doc["text"].replace("\n", "") == kept(ours_out, "extract")[0]["text"] \
        .replace("\n", "").replace(QUOTED, "")


def test_a_text_change_no_rule_explains_is_a_line_diff(tmp_path):
    """Any datatrove filter that rewrites a kept document's text is accounted for, as the lines it removed; a
    document the filter drops has no edit record (its text is in rejected/)."""
    def cut_second_line(doc: Document) -> bool:
        lines = doc.text.splitlines()
        doc.text = "\n".join(lines[:1] + lines[2:])
        return doc.id != "dropped"

    rejects, edits = Rejects(str(tmp_path / "rejected")), Edits(str(tmp_path / "edits"), stage="s")
    step = DatatroveFilter(LambdaFilter(cut_second_line), prefix="cut")
    step.rejects, step.edits = rejects, edits  # what StageContext.accounted does in a stage
    docs = [Document(text="one\ntwo\nthree", id="kept"), Document(text="one\ntwo\nthree", id="dropped")]
    assert [d.id for d in step.run(iter(docs))] == ["kept"]
    rejects.close()
    edits.close()
    (record,) = read_jsonl_gz(tmp_path / "edits" / "cut.lines")
    assert record["id"] == "kept" and record["text"] == "two"
    assert record["metadata"] == {"edit_rule": "cut.lines", "lines_removed": 1, "chars_removed": 3,
                                  "curate_stage": "s"}
    assert step.stats["funnel_edit_docs/cut.lines"].total == 1


def test_a_kept_document_left_empty_by_edits_is_dropped_as_empty(tmp_path):
    """A filter that keeps a document but edits all its text away: the stage drops it as ``empty``, with its edit
    recorded, instead of writing an empty document the next stage's reader would skip without a trace."""
    def cut_everything(doc: Document) -> bool:
        doc.text = "" if doc.id == "emptied" else doc.text
        return True

    rejects, edits = Rejects(str(tmp_path / "rejected")), Edits(str(tmp_path / "edits"), stage="s")
    step = DatatroveFilter(LambdaFilter(cut_everything), prefix="cut")
    step.rejects, step.edits = rejects, edits
    keep = KeepWriter(str(tmp_path / "kept"), rejects=rejects, edits=edits, stage="s")
    docs = [Document(text="one\ntwo", id="emptied"), Document(text="three", id="whole")]
    assert [d.id for d in keep.run(step.run(iter(docs)))] == ["whole"]
    assert [d["id"] for d in read_jsonl_gz(tmp_path / "kept")] == ["whole"]
    (dropped,) = read_jsonl_gz(tmp_path / "rejected" / "empty")
    assert dropped["id"] == "emptied" and dropped["metadata"]["filter_reason"] == "empty"
    (edit,) = read_jsonl_gz(tmp_path / "edits" / "cut.lines")
    assert edit["id"] == "emptied" and edit["text"] == "one\ntwo"
    assert keep.stats["funnel_dropped/empty"].total == 1 and keep.stats["funnel_kept"].total == 1


@pytest.mark.parametrize("implementation", ["curate", "datatrove"])
def test_by_default_c4_decides_and_keeps_the_text(tmp_path, implementation):
    """C4's default: its rules decide, the page keeps its text as extracted; the funnel's edits are empty."""
    (funnel,) = run_pipeline(extract_config(tmp_path, {"implementation": implementation}, {"page": PAGE}))
    report = json.loads((tmp_path / "out" / "report" / "funnel.json").read_text())["stages"][0]
    assert report["edits"] == {} and funnel.kept == 1
    assert kept(tmp_path / "out", "extract")[0]["text"] == PAGE
    assert not (tmp_path / "out" / "extract" / "edits").exists()


def test_cli_and_config_share_the_defaults(tmp_path, shared_data):
    """C4's terminal-punctuation rule is off (FineWeb's choice) in a config that only names the filter and in the
    CLI, and the CLI's resolved extract block is the config default."""
    cfg = parse_config({"output": str(tmp_path), "input": {"paths": [str(tmp_path)]},
                        "extract": {"filters": [{"name": "c4"}]}})
    assert cfg.extract.filters[0].filter_no_terminal_punct is False and cfg.extract.filters[0].edit_text is False
    res = subprocess.run([sys.executable, "-m", "curate", "extract", str(shared_data / "resiliparse-warc"), "-o",
                          str(tmp_path / "o"), "--dry-run"], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    for line in ("filter_no_terminal_punct: false", "typographic_closers: true", "edit_text: false"):
        assert line in res.stdout


def test_typographic_closers_need_curate_implementation(tmp_path):
    with pytest.raises(ConfigError, match="typographic_closers"):
        parse_config(extract_config(tmp_path, {"filter_no_terminal_punct": True, "implementation": "datatrove"}, {}))
