"""The seeds stage through the real driver without an LLM: mined seeds, code seeds run in the sandbox, the
dedup across tasks, accounting, and how seeds, plurality and mixture are wired into a run."""

from __future__ import annotations

import difflib
import json
import secrets
import shutil

import pytest

from curate.config import parse_config
from curate.errors import ConfigError
from curate.pipeline import plan_run
from tests.helpers import kept, read_jsonl_gz, rejected, run_pipeline, write_jsonl


@pytest.fixture(scope="module")
def code_dir(tmp_path_factory):
    """Two real Python files from this interpreter's standard library: some of difflib.py's functions pass their
    doctests on their own, others need the rest of their module; secrets.py's examples are all skipped."""
    folder = tmp_path_factory.mktemp("code")
    for module in (secrets, difflib):
        shutil.copy(module.__file__, folder)
    return folder


def run_seeds(out, inputs, tasks=2, **block):
    data = {"name": "t", "output": str(out), "executor": {"tasks": tasks},
            "input": {"paths": [str(p) for p in inputs], "format": "jsonl"},
            "seeds": {"extraction": None, **block}}
    return run_pipeline(data)[0]


@pytest.fixture(scope="module")
def mined_run(pages_jsonl, code_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("seeds-run")
    return out, run_seeds(out, [pages_jsonl], code_paths=[str(code_dir)])


@pytest.mark.slow
def test_every_candidate_is_kept_or_dropped_with_a_reason(mined_run):
    out, funnel = mined_run
    assert funnel.unaccounted == 0 and funnel.docs_in > 300
    assert funnel.kept == len(kept(out, "seeds"))
    assert funnel.dropped == {reason: len(docs) for reason, docs in rejected(out, "seeds").items()}
    # the real pages repeat questions (the rail page answers "Are Bicycles allowed?" once per train company)
    assert funnel.dropped["duplicate_in_document"] > 10
    # "Question: I need some help with Bougainvillea care..." (a forum post), "Lunch?" (a news page's heading)
    assert {"not_standalone", "not_a_question", "too_short", "code_failed"} <= set(funnel.dropped)


def test_seeds_carry_source_span_and_extractor(mined_run, real_pages, openstax):
    out, _ = mined_run
    texts = {**real_pages, **openstax}
    for doc in kept(out, "seeds"):
        meta = doc["metadata"]
        assert meta["extractor"] == "mined" and meta["curate_stage"] == "seeds"
        if meta["kind"] == "code":
            continue
        start, end = meta["span"]
        source = texts[meta["source_id"]][start:end]
        assert meta["pattern"] in ("qa_label", "faq", "inline_qa", "numbered", "exercise", "multiple_choice",
                                   "question")
        assert doc["text"].split("\n")[0][:40] in source
        assert meta["kind"] == ("qa" if "answer" in meta else "question")


def test_code_seeds_run_in_the_sandbox(mined_run):
    out, _ = mined_run
    code = [d for d in kept(out, "seeds") if d["metadata"]["kind"] == "code"]
    assert {d["metadata"]["function"] for d in code} >= {"IS_LINE_JUNK", "IS_CHARACTER_JUNK"}
    for doc in code:
        assert doc["metadata"]["code_check"]["status"] == "ok"
        assert doc["text"].startswith(f"Write a Python function `{doc['metadata']['function']}(")
    failed = rejected(out, "seeds")["code_failed"]
    ndiff = next(d for d in failed if d["metadata"]["function"] == "ndiff")  # calls helpers it does not carry
    assert ndiff["metadata"]["code_check"]["status"] == "error"
    assert "NameError" in ndiff["metadata"]["code_check"]["error"]
    token_hex = next(d for d in failed if d["metadata"]["function"] == "token_hex")  # "#doctest: +SKIP" only
    assert token_hex["metadata"]["code_check"]["error"] == "doctest: no example was run (all skipped)"


@pytest.mark.slow
def test_duplicates_across_documents_are_dropped_whatever_the_task_count(pages_jsonl, tmp_path):
    rows = [json.loads(line) for line in pages_jsonl.read_text().splitlines()]
    copy = write_jsonl(tmp_path / "copy.jsonl", [{**r, "id": f"{r['id']}-copy"} for r in rows[:2]])
    survivors = []
    for tasks in (1, 3):
        out = tmp_path / f"out{tasks}"
        funnel = run_seeds(out, [pages_jsonl, copy], tasks=tasks)
        assert funnel.unaccounted == 0
        survivors.append(sorted(d["id"] for d in kept(out, "seeds")))
        in_run = rejected(out, "seeds")["duplicate_in_run"]
        assert all(d["id"].split("#")[0].endswith("-copy") and "-copy" not in d["metadata"]["duplicate_of"]
                   for d in in_run)
    assert survivors[0] == survivors[1]


def test_nothing_to_do_is_a_config_error(tmp_path, pages_jsonl):
    with pytest.raises(ConfigError, match="nothing to do"):
        run_seeds(tmp_path, [pages_jsonl], mine=False)


def wired_run(tmp_path, shared_data, **blocks):
    data = {"name": "w", "output": str(tmp_path), "input": {"paths": [str(shared_data / "gsm8k" / "test.jsonl")]},
            "executor": {"tasks": 1},
            "decontam": {"benchmarks": [{"name": "gsm8k", "path": str(shared_data / "gsm8k" / "test.jsonl")}]},
            **blocks}
    return {p.name: p for p in plan_run(parse_config(data))}


def test_seeds_and_plurality_branch_off_the_corpus(tmp_path, shared_data):
    planned = wired_run(tmp_path, shared_data, seeds={}, plurality={}, rewrite={},
                        mixture={"budget": "1M", "sources": {"web": {}, "web_rewrites": {}, "synthetic": {}}})
    def reads(stage: str):
        return planned[stage].ctx.artifact(planned[stage].ctx.consumes)

    assert reads("seeds") == tmp_path / "decontam"
    assert reads("plurality") == tmp_path / "seeds"
    assert reads("rewrite") == tmp_path / "decontam"  # not the voted questions
    count = planned["mixture"].plan.groups[0].pipeline[0]
    folders = {s.name: s.path for s in count.sources}
    assert folders["synthetic"] == str(tmp_path / "plurality")
    assert folders["web_rewrites"] == str(tmp_path / "rewrite")


def test_plurality_in_a_run_needs_the_seeds_stage(tmp_path, shared_data):
    with pytest.raises(ConfigError, match="add a `seeds:` block"):
        wired_run(tmp_path, shared_data, plurality={})


def test_a_synthetic_source_needs_the_plurality_stage(tmp_path, shared_data):
    with pytest.raises(ConfigError, match="synthetic: no path, and the plurality stage does not run"):
        wired_run(tmp_path, shared_data, seeds={}, mixture={"budget": "1M", "sources": {"synthetic": {}}})


def test_the_default_mixture_of_a_run_with_plurality_has_three_sources(tmp_path, shared_data):
    planned = wired_run(tmp_path, shared_data, seeds={}, plurality={}, rewrite={}, mixture={"budget": "1M"})
    names = [s.name for s in planned["mixture"].plan.groups[0].pipeline[0].sources]
    assert names == ["web", "web_rewrites", "synthetic"]


def test_seed_documents_are_readable_jsonl(mined_run):
    out, _ = mined_run
    docs = read_jsonl_gz(out / "seeds" / "rejected" / "not_standalone")
    assert all(d["metadata"]["filter_reason"] == "not_standalone" and d["metadata"]["check_detail"] for d in docs)
