"""The quickstart (the README's first command runs it) ends in a manifest and a report, and loses nothing."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from tests.helpers import kept, rejected

pytestmark = [pytest.mark.slow, pytest.mark.llm]


def test_every_stage_accounts_for_every_document(local_quickstart):
    funnel = json.loads((local_quickstart / "report" / "funnel.json").read_text())
    stages = [s["stage"] for s in funnel["stages"]]
    assert stages == ["extract", "dedup", "score", "decontam", "rewrite", "seeds", "plurality"]
    for entry in funnel["stages"]:
        assert entry["unaccounted"] == 0, entry
        assert entry["kept"] == len(kept(local_quickstart, entry["stage"]))
        on_disk = {reason: len(rows) for reason, rows in rejected(local_quickstart, entry["stage"]).items()}
        assert entry["dropped"] == on_disk
    by_stage = {s["stage"]: s for s in funnel["stages"]}
    assert by_stage["extract"]["docs_in"] == 200  # the bundled WARC's records
    # each stage reads what the previous one kept
    for before, after in zip(["extract", "dedup", "score"], ["dedup", "score", "decontam"]):
        assert by_stage[after]["docs_in"] == by_stage[before]["kept"]
    assert by_stage["dedup"]["dropped"].get("exact_duplicate", 0) >= 4  # the WARC's planted copies
    assert by_stage["rewrite"]["docs_in"] > 0  # some pages were selected and sent to the LLM


def test_the_edu_filter_keeps_the_educational_pages(local_quickstart, repo_root):
    """The score stage drops pages under the edu card's threshold (a reason in the funnel) and keeps enough for
    the later stages; every kept page has edu and reasoning scores."""
    score = yaml.safe_load((repo_root / "configs" / "quickstart.yaml").read_text())["score"]
    edu = next(c for c in score["classifiers"] if c["path"].endswith("classifiers/edu"))
    card = (repo_root / "classifiers" / "edu" / "README.md").read_text()
    assert f"min_score: {edu['min_score']:g}` on `edu_score`" in card  # the config uses the card's threshold
    funnel = {s["stage"]: s for s in json.loads((local_quickstart / "report" / "funnel.json").read_text())["stages"]}
    reason = f"edu_score_below_{edu['min_score']:g}"
    assert funnel["score"]["dropped"].get(reason, 0) > 0
    assert funnel["score"]["kept"] >= 10
    for doc in kept(local_quickstart, "score"):
        meta = doc["metadata"]
        assert meta["edu_score"] >= edu["min_score"] and meta["edu_int"] >= 3
        assert 0 <= meta["reasoning_score"] <= 1


def test_rewrite_selects_pages_by_edu_score_bands(local_quickstart, repo_root):
    rewrite = yaml.safe_load((repo_root / "configs" / "quickstart.yaml").read_text())["rewrite"]
    assert rewrite["score_key"] == "edu_score"
    rewrites = kept(local_quickstart, "rewrite") + [d for docs in rejected(local_quickstart, "rewrite").values()
                                                     for d in docs]
    assert rewrites
    for doc in rewrites:
        score, style = doc["metadata"]["edu_score"], doc["metadata"]["style"]
        if style == "wikipedia":  # the middle band: Wikipedia-style paraphrase
            assert rewrite["mid_min_score"] <= score < rewrite["min_score"]
        else:  # the top band: Nemotron-CC's high-quality styles
            assert style in {"distill", "knowledge_list"} and score >= rewrite["min_score"]


def test_the_planted_benchmark_item_is_caught(local_quickstart):
    dropped = rejected(local_quickstart, "decontam").get("contaminated", [])
    assert dropped, "the GSM8K item pasted into a page was not found"
    hits = [json.loads(line) for line in (local_quickstart / "report" / "contamination.jsonl").read_text().splitlines()]
    assert {h["benchmark"] for h in hits} == {"gsm8k"}
    assert (local_quickstart / "report" / "contamination.html").is_file()


def test_manifest_counts_equal_an_independent_recount(local_quickstart):
    manifest = yaml.safe_load((local_quickstart / "manifest.yaml").read_text())
    assert set(manifest["sources"]) == {"web", "web_rewrites", "synthetic"}
    web = manifest["sources"]["web"]
    assert web["documents"] == len(kept(local_quickstart, "decontam")) and web["unique_tokens"] > 0
    # the voted questions and the code seeds of data/quickstart/code that ran correctly
    assert manifest["sources"]["synthetic"]["documents"] == len(kept(local_quickstart, "plurality")) > 0
    assert manifest["tokenizer"]["name"] == "gpt-neox-20b"
    res = subprocess.run([sys.executable, "-m", "curate", "mixture-verify", str(local_quickstart / "manifest.yaml")],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
    assert (local_quickstart / "report" / "mixture.png").is_file()


def test_rewrites_carry_their_provenance(local_quickstart):
    for doc in kept(local_quickstart, "rewrite"):
        meta = doc["metadata"]
        source, style = meta["source_id"], meta["style"]
        chunk = f"#{meta['chunk']}" if meta["chunks"] > 1 else ""  # a long page is rewritten in chunks
        assert doc["id"] == f"{source}#{style}{chunk}" and meta["model"]
        assert style in {"distill", "knowledge_list", "wikipedia"} and meta["curate_stage"] == "rewrite"
        assert meta["finish_reason"] == "stop" and meta["completion_tokens"] > 0
