"""The seeds stage and plurality against the real llama.cpp server (SmolLM2-135M-Instruct): pairs extracted from
real pages and OpenStax sections, each drop on real outputs, and plurality voting on mined questions inside a run.

Greedy decoding with a fixed seed keeps the server's answers stable from run to run; the assertions hold for any
answers (every candidate accounted, each drop consistent with its reason), and the reasons SmolLM2 produces on
these passages are named.
"""

from __future__ import annotations

import gzip
import json
import statistics

import pytest
import yaml
from datatrove.pipeline.readers import JsonlReader

from curate.accounting import KEPT_GLOB, Rejects
from curate.seeds.config import SandboxConfig, SeedChecks
from curate.seeds.steps import CheckSeeds, ExpandPairs
from tests.helpers import kept, rejected, run_pipeline, write_jsonl

pytestmark = [pytest.mark.llm, pytest.mark.slow]

FINEWEB = ("97", "153", "155")  # real pages with Llama-3-70B educational scores >= 3 (fineweb-edu-annotations)
SECTION, LONG_SECTION = "m59969", "m90380"  # an astronomy section (cut), a 33k-character government section
PASSAGE_CHARS = 1500


def real_inputs(shared_data) -> list[dict]:
    fineweb = {}
    for line in (shared_data / "fineweb-edu-annotations" / "train_1k.jsonl").read_text().splitlines():
        row = json.loads(line)
        if row["id"] in FINEWEB:
            fineweb[row["id"]] = row
    sections = {}
    with gzip.open(shared_data / "openstax-ccby" / "sections.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if row["module"] in (SECTION, LONG_SECTION):
                sections[row["module"]] = row["text"]
    rows = [{"id": f"fw{i}", "text": fineweb[i]["text"][:PASSAGE_CHARS], "edu_score": fineweb[i]["score"]}
            for i in FINEWEB]
    rows.append({"id": "fw153-copy", "text": rows[1]["text"], "edu_score": 3})  # the same page twice
    rows.append({"id": SECTION, "text": sections[SECTION][:PASSAGE_CHARS], "edu_score": 4})
    rows.append({"id": LONG_SECTION, "text": sections[LONG_SECTION], "edu_score": 4})  # over the context: HTTP 400
    return rows


@pytest.fixture(scope="module")
def llm_run(shared_data, llm_server, tmp_path_factory):
    out = tmp_path_factory.mktemp("seeds-llm")
    pages = write_jsonl(out / "pages.jsonl", real_inputs(shared_data))
    # chars_per_token 20 sends the long section whole, so the server refuses it (the others fit easily)
    extraction = {"llm": {"endpoint": llm_server.url}, "chars_per_token": 20, "max_chunks": 1, "max_tokens": 160,
                  "temperature": 0, "seed": 1}
    data = {"name": "t", "output": str(out / "run"), "executor": {"tasks": 1},
            "input": {"paths": [str(pages)], "format": "jsonl"},
            "seeds": {"mine": False, "extraction": extraction}}
    return out / "run", run_pipeline(data)[0]


def test_every_extracted_pair_is_accounted_for(llm_run):
    out, funnel = llm_run
    assert funnel.unaccounted == 0 and funnel.docs_in >= 6  # at least one candidate per passage
    assert funnel.dropped == {reason: len(docs) for reason, docs in rejected(out, "seeds").items()}
    # what SmolLM2-135M does with these passages: "What is the passage about?"; the long section never reaches it
    assert {"request_error", "not_standalone"} <= set(funnel.dropped)


def test_each_drop_is_consistent_with_its_reason(llm_run):
    out, _ = llm_run
    drops = rejected(out, "seeds")
    [refused] = drops["request_error"]
    assert refused["id"] == f"{LONG_SECTION}#x0" and "HTTP 400" in refused["metadata"]["error"]
    for doc in drops.get("not_standalone", []):
        assert doc["metadata"]["check_detail"].lower() in doc["text"].lower()
    for doc in drops.get("unsupported", []):
        assert float(doc["metadata"]["check_detail"].split()[0]) < SeedChecks().min_support
    for doc in drops.get("truncated", []):
        assert doc["metadata"]["finish_reason"] == "length"
    for doc in drops.get("no_pairs", []):  # the generation itself is kept for reading back
        assert doc["text"] == "" or "question:" not in doc["text"].lower() or "answer:" not in doc["text"].lower()
    for doc in drops.get("duplicate_in_run", []):
        assert doc["id"].startswith("fw153") and doc["metadata"]["duplicate_of"].startswith("fw153")


def test_the_same_page_twice_gives_each_question_once(llm_run):
    # greedy decoding usually gives the copy the same pairs (llama.cpp does not promise bit-identical answers)
    out, _ = llm_run
    kept_docs = kept(out, "seeds")
    original = {d["text"] for d in kept_docs if d["metadata"]["source_id"] == "fw153"}
    assert not original & {d["text"] for d in kept_docs if d["metadata"]["source_id"] == "fw153-copy"}
    for doc in rejected(out, "seeds").get("duplicate_in_run", []):
        assert doc["metadata"]["source_id"] == "fw153-copy" and doc["text"] in original


def test_seeds_record_their_passage_prompt_and_model(llm_run, shared_data):
    out, _ = llm_run
    texts = {r["id"]: r["text"] for r in real_inputs(shared_data)}
    docs = kept(out, "seeds") + [d for docs in rejected(out, "seeds").values() for d in docs]
    for doc in docs:
        meta = doc["metadata"]
        assert meta["extractor"] == "llm" and meta["prompt"] == "qa" and meta["source_id"] in texts
        assert meta["prompt_version"] == "qa.v1" and meta["model"] == "smollm2-135m-instruct"
        assert meta["sampling"]["temperature"] == 0 and meta["sampling"]["seed"] == 1
        start, end = meta["span"]
        assert 0 <= start < end <= len(texts[meta["source_id"]])


def recheck(out, checks: SeedChecks, rejects_dir) -> dict[str, int]:
    """Run the stage's own expand and check steps again on the real generations, with other thresholds; the
    number of drops per reason."""
    reader = JsonlReader(str(out / "seeds" / "_work" / "generated"), glob_pattern=KEPT_GLOB)
    expand = ExpandPairs("smollm2-135m-instruct", {})
    rejects = Rejects(str(rejects_dir))
    check = CheckSeeds(checks, SandboxConfig())
    check.rejects = rejects
    list(check.run(expand.run(reader.run())))
    rejects.close()
    return {k.split("/", 1)[1]: v.total for k, v in check.stats.stats.items() if k.startswith("funnel_dropped/")}


def test_length_and_support_thresholds_on_real_pairs(llm_run, tmp_path):
    out, _ = llm_run
    assert recheck(out, SeedChecks(min_question_words=60), tmp_path / "a").get("too_short", 0) > 0
    assert recheck(out, SeedChecks(min_question_words=1, max_question_words=2), tmp_path / "b").get("too_long", 0) > 0
    assert recheck(out, SeedChecks(min_support=1.0), tmp_path / "c").get("unsupported", 0) > 0


@pytest.fixture(scope="module")
def voted_run(real_pages, shared_data, llm_server, tmp_path_factory):
    """extract-less run: decontam (GSM8K index) → seeds (mined, plus stdlib statistics.py) → plurality → mixture."""
    out = tmp_path_factory.mktemp("voted")
    pages = write_jsonl(out / "pages.jsonl", [{"id": n, "text": real_pages[n], "language": "en"}
                                              for n in ("nationalrail", "focaccia")])
    code = out / "code"
    code.mkdir()
    (code / "statistics.py").write_text(open(statistics.__file__, encoding="utf-8").read(), encoding="utf-8")
    gsm8k = str(shared_data / "gsm8k" / "test.jsonl")
    data = {"name": "voted", "output": str(out / "run"), "executor": {"tasks": 1},
            "input": {"paths": [str(pages)], "format": "jsonl"},
            "decontam": {"benchmarks": [{"name": "gsm8k", "path": gsm8k}]},
            "seeds": {"extraction": None, "code_paths": [str(code)]},
            "plurality": {"llm": {"endpoint": llm_server.url}, "samples": 3, "max_questions": 2, "max_tokens": 64,
                          "temperature": 1.0, "seed": 7},
            "mixture": {"budget": "1M", "sources": {"web": {"weight": 0.4}, "synthetic": {"weight": 0.6}}}}
    funnels = {f.stage: f for f in run_pipeline(data)}
    return out / "run", funnels


def test_plurality_votes_on_the_mined_questions_inside_a_run(voted_run):
    out, funnels = voted_run
    seeds, voted = funnels["seeds"], funnels["plurality"]
    assert voted.unaccounted == 0
    code_seeds = [d for d in kept(out, "seeds") if d["metadata"]["kind"] == "code"]
    assert voted.docs_in == 2 + len(code_seeds) and seeds.kept > voted.docs_in  # 2 questions voted, the rest waits
    questions = [d for d in kept(out, "plurality") if d["metadata"].get("kind") != "code"]
    questions += [d for docs in rejected(out, "plurality").values() for d in docs]
    assert len(questions) == 2
    for doc in questions:
        meta = doc["metadata"]
        assert len(meta["plurality_answers"]) == 3 and meta["extractor"] == "mined"
        if "filter_reason" not in meta:
            assert doc["text"] == f"{meta['question']}\n\n" + doc["text"].split("\n\n", 1)[1]
            assert 1 / 3 < meta["plurality_agreement"] < 1
        else:
            assert meta["filter_reason"] in ("all_agree", "none_agree", "tie", "no_answer")


def test_code_seeds_join_the_synthetic_source_without_a_vote(voted_run):
    out, funnels = voted_run
    verified = [d for d in kept(out, "plurality") if d["metadata"].get("kind") == "code"]
    assert {d["metadata"]["function"] for d in verified} >= {"median", "mode"}
    for doc in verified:
        assert "plurality_answers" not in doc["metadata"]
        assert doc["text"].startswith(doc["metadata"]["question"] + "\n\n```python\n")


def test_the_manifest_has_the_synthetic_source(voted_run):
    out, funnels = voted_run
    manifest = yaml.safe_load((out / "manifest.yaml").read_text())
    assert set(manifest["sources"]) == {"web", "synthetic"}
    synthetic = manifest["sources"]["synthetic"]
    assert synthetic["documents"] == funnels["plurality"].kept > 0 and synthetic["unique_tokens"] > 0
    stats = json.loads(next((out / "logs" / "plurality_vote" / "stats").glob("*.json")).read_text())
    counters = {k for step in stats for k in (step.get("stats") or {})}
    assert "decontam_skipped" not in counters  # checked against the run's own GSM8K index
