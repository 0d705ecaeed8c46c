"""Each seed check on real questions: from the bundled pages, OpenStax, and SmolLM2's own answers."""

from __future__ import annotations

import pytest

from curate.seeds.checks import check, standalone_problem, support
from curate.seeds.config import SeedChecks

CHECKS = SeedChecks()
FIRE = ("A school assembly at Kingswood Primary School encouraged children to complete their home fire safety "
        "project, which includes testing smoke alarms every month.")


@pytest.mark.parametrize("question,reference", [
    ("What is the passage about?", "the passage"),  # SmolLM2-135M's favourite question
    ("Why we need these in-app permissions?", "these"),  # a privacy policy's heading
    ("What is the magnetic force on the wire in the accompanying figure?", "the accompanying figure"),
    ("Could he buy no bottles of protein water and 5 protein bars?", "Could he"),  # OpenStax
    ("Why not Level 3 for NPHET?", "Why not"),  # a news page's heading
    ("What do you think about this #tuesdaytip?", "this"),
    ("According to the text, how often should smoke alarms be tested?", "According to the text"),
])
def test_questions_that_need_their_page(question, reference):
    assert standalone_problem(question) == reference


@pytest.mark.parametrize("question", [
    "What is the capital of France?",
    "Analysis of a 12.04-g sample of a liquid compound showed it to contain 7.34 g C. What is the percent "
    "composition of this compound?",  # "this" points inside the question
    "Which of the following is not an item Europeans introduced to Native Americans?\nA. wampum\nB. glass beads",
    "Is there a cure for the common cold?",
])
def test_questions_that_stand_alone(question):
    assert standalone_problem(question) is None


@pytest.mark.parametrize("question,answer,passage,reason", [
    ("", "Yes.", None, "empty"),
    ("What is the Toto lottery?", "  ", None, "empty"),
    ("I need some help with Bougainvillea care and watering.", None, None, "not_a_question"),
    ("What is the passage about?", "The passage is about fire safety.", FIRE, "not_standalone"),
    ("Lunch?", None, None, "too_short"),
    ("How " + "very " * 130 + "long is a blue whale?", None, None, "too_long"),
    ("How often should smoke alarms be tested?", "Smoke alarms need new batteries from the hardware store.",
     FIRE, "unsupported"),
    ("How often should smoke alarms be tested at home?", "Smoke alarms should be tested every month.", FIRE, None),
    ("Find the formula mass of calcium phosphate, Ca3(PO4)2.", "310.18 amu", None, None),
])
def test_check_reasons(question, answer, passage, reason):
    assert check(question, answer, CHECKS, passage)[0] == reason


def test_support_counts_content_words_only():
    assert support("It is tested every month.", FIRE) == 1.0  # "tested", "month" are in the passage
    assert support("The moon is made of cheese.", FIRE) == 0.0
