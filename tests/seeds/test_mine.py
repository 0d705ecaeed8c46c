"""Rule-based mining on real pages and real textbook sections: each pattern, its answer and its span."""

from __future__ import annotations

from curate.seeds.mine import mine


def by_question(seeds):
    """Question -> its first occurrence on the page."""
    return {s.question: s for s in reversed(seeds)}


def test_inline_questions_of_a_real_faq_page(real_pages):
    text = real_pages["nationalrail"]
    seed = by_question(mine(text))["Are Bicycles allowed?"]
    assert seed.pattern == "inline_qa" and seed.answer == "Folding bicycles will be accepted only."
    start, end = seed.span
    assert text[start:end] == "Are Bicycles allowed? Folding bicycles will be accepted only."


def test_numbered_jokes_with_their_answers(real_pages):
    seeds = mine(real_pages["jokes"])
    first = seeds[0]
    assert (first.pattern, first.question, first.answer) == (
        "numbered", "What do you call an ant who fights crime?", "A vigilante!")
    assert sum(s.pattern == "numbered" for s in seeds) > 100  # a page of numbered riddles


def test_faq_headings_take_the_next_paragraph_as_answer(real_pages):
    seeds = by_question(mine(real_pages["focaccia"]))
    seed = seeds["How long to cook Foccacia?"]
    assert seed.pattern == "faq" and seed.answer.startswith("Cook in a preheated oven at 200°C")
    text = real_pages["focaccia"]
    assert text[seed.span[0]:seed.span[1]].endswith(seed.answer)


def test_rhetorical_questions_in_running_text_are_not_seeds(real_pages):
    # the focaccia page closes with questions inside a paragraph of prose ("..., how about also making...?")
    questions = [s.question for s in mine(real_pages["focaccia"])]
    assert not any("how about also making" in q for q in questions)


def test_multiple_choice_review_questions_keep_options_and_key(openstax):
    seeds = [s for s in mine(openstax["m82170"]) if s.pattern == "multiple_choice"]
    assert len(seeds) == 4
    seed = next(s for s in seeds if s.question.startswith("A person’s participation"))
    assert seed.question.splitlines()[1:] == ["A. random", "B. rewarded", "C. voluntary", "D. public"]
    assert seed.answer == "voluntary"


def test_textbook_exercises_take_their_answer_lines(openstax):
    seeds = [s for s in mine(openstax["m71841"]) if s.pattern == "exercise" and s.answer]
    assert any(s.question.startswith("Acetaminophen, C8H9NO2") and s.answer == "151.16 amu" for s in seeds)
    for s in seeds:
        assert openstax["m71841"][s.span[0]:s.span[1]].startswith(s.question)
