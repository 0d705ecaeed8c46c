"""``curate dedup`` on the command line: options, the printed duplicates summary, user errors."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from curate.cli import app
from tests.dedup.dedup_helpers import write_jsonl


def test_cli_dedups_and_prints_the_summary(passages, tmp_path):
    write_jsonl(tmp_path / "in", "0.jsonl.gz", [{"id": f"p{i}", "text": t} for i, t in enumerate(passages[:6])])
    write_jsonl(tmp_path / "in", "1.jsonl.gz", [{"id": "copy", "text": passages[2] + "!"}])
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["dedup", str(tmp_path / "in"), "-o", str(out), "--threshold", "0.7", "--ngram", "4", "-t", "2"]
    )
    assert result.exit_code == 0, result.output
    assert "removed: 1 exact duplicates, 0 near-duplicates (Jaccard >= 0.7 on word 4-grams" in result.output
    report = json.loads((out / "report" / "dedup.json").read_text())
    assert report["removed"]["exact_duplicate"] == 1 and report["parameters"]["ngram"] == 4
    assert (out / "dedup" / "rejected" / "exact_duplicate").is_dir()


def test_cli_rejects_bands_without_rows(tmp_path):
    write_jsonl(tmp_path / "in", "0.jsonl.gz", [{"id": "a", "text": "some words here"}])
    result = CliRunner().invoke(app, ["dedup", str(tmp_path / "in"), "-o", str(tmp_path / "o"), "--bands", "9"])
    assert result.exit_code == 2
    assert "set both bands and rows" in result.output
