"""Final-answer extraction and the plurality decision, on GSM8K-style solutions; no LLM needed."""

from __future__ import annotations

import json

import pytest

from curate.plurality.answers import extract_answer, verdict, vote


@pytest.mark.parametrize("text,expected", [
    ("She has 3 + 4 = 7 apples.\nAnswer: 7", "7"),
    ("Total cost is $1,200.00.\nThe answer is: $1,200", "1200"),
    ("Janet sells 16 - 3 - 4 = <<16-3-4=9>>9 duck eggs a day.\n#### 18", "18"),
    ("So the result is \\boxed{2.50}", "2.5"),
    ("First 5 then 12 then finally 40 marbles", "40"),
    ("I do not know.", None),
])
def test_extract_answer(text, expected):
    assert extract_answer(text) == expected


def test_extracts_the_reference_answer_of_every_real_gsm8k_item(shared_data):
    lines = (shared_data / "gsm8k" / "test.jsonl").read_text().splitlines()[:200]
    for line in lines:
        item = json.loads(line)
        final = item["answer"].split("####")[-1].strip().replace(",", "")
        assert extract_answer(item["answer"]) == str(int(float(final)))


@pytest.mark.parametrize("answers,expected_answer,agreement,reason", [
    (["7", "7", "7"], "7", 1.0, "all_agree"),
    (["7", "8", "9"], None, 1 / 3, "none_agree"),
    (["7", "8", None], None, 1 / 3, "none_agree"),
    (["7", "7", "8", "8"], None, 0.5, "tie"),
    ([None, None, None], None, 0.0, "no_answer"),
    (["7", "7", "8", "9", None], "7", 0.4, None),
])
def test_vote_and_verdict(answers, expected_answer, agreement, reason):
    v = vote(answers, len(answers))
    assert v.answer == expected_answer
    assert v.agreement == pytest.approx(agreement)
    assert verdict(v) == reason
