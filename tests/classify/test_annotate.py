"""Annotation: robust score parsing (no LLM needed), and the real llama.cpp server end to end with resume."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from curate.classify.annotate import annotate_file, annotate_one, done_ids, parse_answer
from curate.classify.recipe import load_recipe

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def edu():
    return load_recipe(REPO / "classifiers" / "edu")


@pytest.mark.parametrize(
    "answer, score, error",
    [
        ("Clear worked examples.\nEducational score: 4", 4, None),
        ("Some basics.\n**Educational score:** 2", 2, None),
        ("educational SCORE: 3 points", 3, None),
        ("I'd say score 3 at first... Educational score: 1\nEducational score: 2", 2, None),
        ("This page is about cats.", None, "no_score"),
        ("Educational score: 7", None, "score_not_a_class"),
        ("Educational score: five", None, "no_score"),
        ("", None, "no_score"),
    ],
)
def test_parse_answer(edu, answer, score, error):
    parsed = parse_answer(answer, edu)
    assert (parsed.score, parsed.error) == (score, error)
    if error is None:
        assert "Educational score" not in parsed.justification.split("\n")[-1] or answer.count("score") > 1


def test_malformed_answers_are_retried_then_dropped(edu):
    answers = iter(["no idea", "Educational score: 9", "Great.\nEducational score: 3"])
    temperatures = []

    def ask(prompt, temperature, max_tokens):
        temperatures.append(temperature)
        return next(answers)

    stats = Counter()
    record = annotate_one(ask, edu, "text", stats)
    assert record["score"] == 3 and record["attempts"] == 3 and record["justification"] == "Great."
    assert stats == Counter({"malformed.no_score": 1, "malformed.score_not_a_class": 1, "annotated": 1})
    assert temperatures[0] == 0.0 and temperatures[1] > 0

    stats = Counter()
    record = annotate_one(lambda *a: "nothing useful", edu, "text", stats)
    assert record["score"] is None and record["error"] == "no_score" and record["attempts"] == 3
    assert stats["dropped"] == 1 and stats["malformed.no_score"] == 3


def test_truncated_last_line_is_discarded_on_resume(tmp_path):
    out = tmp_path / "a.jsonl"
    out.write_text('{"id": "a", "score": 1}\n{"id": "b", "sco')
    assert done_ids(out) == {"a"}
    assert out.read_text() == '{"id": "a", "score": 1}\n'


@pytest.mark.llm
@pytest.mark.slow
def test_annotate_with_the_real_server_and_resume(tmp_path, snippets, edu):
    from curate.classify.annotate import endpoint_asker
    from curate.llm.client import Endpoint
    from curate.llm.server import SMOLLM2_NAME, LlamaServer

    pages = tmp_path / "pages.jsonl"
    texts = [r for r in snippets if r["label"] == "content" and len(r["text"]) > 60][:5]
    pages.write_text("".join(json.dumps({"id": f"doc{i}", "text": r["text"]}) + "\n" for i, r in enumerate(texts)))
    out = tmp_path / "ann.jsonl"
    with LlamaServer(model_name=SMOLLM2_NAME, log_path=tmp_path / "server.log") as server:
        with endpoint_asker(Endpoint(server.url, SMOLLM2_NAME)) as ask:
            first = annotate_file(edu, pages, out, ask, SMOLLM2_NAME, limit=2)
            assert first["annotated"] + first["dropped"] == 2
            rest = annotate_file(edu, pages, out, ask, SMOLLM2_NAME)
    assert rest["resumed"] == 2 and rest["annotated"] + rest["dropped"] == 3
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in records] == [f"doc{i}" for i in range(5)]
    for r in records:
        assert r["answer"] and r["model"] == SMOLLM2_NAME
        if r["error"] is None:
            assert r["score"] in range(6) and parse_answer(r["answer"], edu).score == r["score"]
        else:
            assert r["score"] is None and r["attempts"] == edu.annotate.retries + 1
