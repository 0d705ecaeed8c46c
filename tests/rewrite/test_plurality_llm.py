"""Plurality filtering on real GSM8K questions with the real llama.cpp server."""

from __future__ import annotations

import json

import pytest
from tests.rewrite.rewrite_helpers import read_jsonl_gz

from tests.helpers import run_pipeline

pytestmark = pytest.mark.llm


def gsm8k(shared_data, tmp_path, n: int):
    path = tmp_path / "gsm8k.jsonl"
    lines = (shared_data / "gsm8k" / "test.jsonl").read_text().splitlines()[:n]
    path.write_text("\n".join(json.dumps({"id": f"gsm8k-{i}", **json.loads(line)}) for i, line in enumerate(lines)))
    return path


def run(path, out, llm_server, **block):
    run_pipeline({"name": "plurality", "output": str(out), "executor": {"tasks": 1},
                  "input": {"paths": [str(path)], "format": "jsonl", "text_key": "question"},
                  "plurality": {"llm": {"endpoint": llm_server.url}, **block}})
    return json.loads((out / "report" / "funnel.json").read_text())["stages"][0]


def test_greedy_samples_that_agree_are_dropped(shared_data, tmp_path, llm_server):
    funnel = run(gsm8k(shared_data, tmp_path, 2), tmp_path / "out", llm_server, samples=2, max_tokens=48,
                 temperature=0)
    assert funnel["docs_in"] == 2 and funnel["unaccounted"] == 0
    # greedy samples usually repeat each other; llama.cpp's greedy decoding is not bit-identical across requests
    assert funnel["dropped"].get("all_agree", 0) >= 1 and set(funnel["dropped"]) <= {"all_agree", "none_agree"}
    for doc in read_jsonl_gz(tmp_path / "out" / "plurality" / "rejected" / "all_agree"):
        answers = doc["metadata"]["plurality_answers"]
        assert len(answers) == 2 and answers[0] == answers[1] is not None
        assert doc["metadata"]["plurality_agreement"] == 1.0


def test_sampled_answers_are_voted_and_every_question_accounted(shared_data, tmp_path, llm_server):
    funnel = run(gsm8k(shared_data, tmp_path, 3), tmp_path / "out", llm_server, samples=3, max_tokens=64,
                 temperature=1.0, seed=7)
    assert funnel["docs_in"] == 3 and funnel["unaccounted"] == 0
    docs = read_jsonl_gz(tmp_path / "out" / "plurality") + read_jsonl_gz(
        tmp_path / "out" / "plurality" / "rejected", "*/*.jsonl.gz")
    assert sorted(d["id"] for d in docs) == ["gsm8k-0", "gsm8k-1", "gsm8k-2"]
    for doc in docs:
        meta = doc["metadata"]
        assert len(meta["plurality_answers"]) == 3 and meta["plurality_samples"] == 3
        assert meta["reference_answer"] is not None  # from GSM8K's "#### N"
        reason = meta.get("filter_reason")
        assert reason in (None, "all_agree", "none_agree", "tie", "no_answer")
        if reason is None:
            assert meta["plurality_answer"] is not None and 1 / 3 < meta["plurality_agreement"] < 1
