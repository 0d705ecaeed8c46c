"""Each unit kind and option layout, and each false-positive guard, on real items injected into real pages."""

from __future__ import annotations

import random

import pytest

from curate.decontam.ngrams import normalize


def inject(page: str, snippet: str) -> str:
    cut = page.find("\n", len(page) // 2)
    cut = len(page) // 2 if cut < 0 else cut
    return f"{page[:cut]}\n\n{snippet}\n\n{page[cut:]}"


def item(small_items, item_id):
    return next(it for it in small_items if it.item_id == item_id)


def verdict_for(checker, text, it):
    """The verdict and unit of ``it`` in ``text`` (clean when it is not among the hits)."""
    hit = next((h for h in checker.check(text).hits if h.item_id == it.item_id), None)
    return (hit.verdict, hit.unit) if hit else ("clean", None)


def words(text):
    return len(normalize(text).split())


def test_stem_alone(checker, small_items, pages):
    """A stem of 7+ words that no other item has decides alone, without its options."""
    it = next(it for it in small_items if it.benchmark == "arc" and 7 <= words(it.question) < 13
              and checker.index.unit_alone[checker.index.unit_item.tolist().index(small_items.index(it))])
    assert verdict_for(checker, inject(pages[0], it.question), it) == ("contaminated", "stem")


@pytest.mark.parametrize("form", ["Q: {q}\nA: {a}", "{q}\nAnswer: {a}", "{q} {a}", "**{q}**\n\n{a}"])
def test_short_stem_with_its_answer(checker, small_items, pages, form):
    """A short item (stem + answer under 13 words) held whole is stem+answer; the stem alone (6 words) is not."""
    it = item(small_items, "Mercury_SC_413240")  # At which temperature does water freeze? / 0 degrees Celsius
    assert words(it.question + " " + it.answer) < 13
    assert verdict_for(checker, inject(pages[1], form.format(q=it.question, a=it.answer)), it) == \
        ("contaminated", "stem+answer")
    assert verdict_for(checker, inject(pages[1], it.question), it)[0] == "clean"


LAYOUTS = ["{L}. ", "({l}) ", "{l}) ", "{n}. ", "- ", "• ", ""]


@pytest.mark.parametrize("style", LAYOUTS)
@pytest.mark.parametrize("joiner", ["\n", "   "])
def test_option_layouts(checker, small_items, pages, style, joiner):
    """The stem with its options in any label style, one per line or inline, shuffled, without the answer: item."""
    it = item(small_items, "astronomy:126")  # Where are the Trojan asteroids located? (6 words)
    order = list(range(len(it.options)))
    random.Random(style + joiner).shuffle(order)
    lines = [style.format(L="ABCD"[k], l="abcd"[k], n=k + 1) + it.options[i] for k, i in enumerate(order)]
    assert verdict_for(checker, inject(pages[2], it.question + "\n" + joiner.join(lines)), it) == \
        ("contaminated", "item")


@pytest.mark.parametrize("tail", ["Answer: C", "Answer: {a}", "Correct answer: {a}"])
def test_answer_given_as_letter_or_text(checker, small_items, pages, tail):
    it = item(small_items, "astronomy:126")
    text = it.prompt + "\n" + tail.format(a=it.answer)
    assert verdict_for(checker, inject(pages[2], text), it)[0] == "contaminated"


def test_long_option_alone(checker, small_items, pages):
    """An option of 13+ words can travel alone (a 13-gram of it is evidence)."""
    it = item(small_items, "astronomy:18")
    long_option = next(o for o in it.options if words(o) >= 13)
    assert verdict_for(checker, inject(pages[3], long_option), it) == ("contaminated", "option")


def test_solution_alone(checker, small_items, pages):
    """A reference solution copied without its question: the solution unit."""
    it = next(it for it in small_items if it.benchmark == "gsm8k" and words(it.solution) >= 40)
    assert verdict_for(checker, inject(pages[4], it.solution), it) == ("contaminated", "solution")


def test_guard_stock_stem_with_other_options(checker, small_items, pages):
    """"Which of the following is not true?" is shared quiz phrasing: with another quiz's options it is nothing."""
    it = item(small_items, "astronomy:18")
    other = "Which of the following is not true?\nA. Mars is red.\nB. Venus is hot.\nC. Pluto is a star.\nD. None"
    assert verdict_for(checker, inject(pages[5], other), it)[0] == "clean"
    assert checker.check(inject(pages[5], other)).verdict == "clean"


def test_guard_common_fact(checker, small_items, pages):
    """A page stating the fact an answer names is not the item (its stem is not there)."""
    it = item(small_items, "Mercury_SC_413240")
    assert checker.check(inject(pages[6], "Water freezes at 0 degrees Celsius, so the pond froze.")).verdict == \
        "clean"
    assert verdict_for(checker, inject(pages[6], it.answer), it)[0] == "clean"


def test_guard_single_short_option(checker, small_items, pages):
    """One short option alone never contaminates, even a distinctive one."""
    it = item(small_items, "astronomy:126")
    for option in it.options:
        assert checker.check(inject(pages[7], f"See also: {option}.")).verdict == "clean"


def test_guard_short_option_phrase_is_not_enough_for_the_ratio(checker, small_items, pages):
    """Three 7-grams of a 13-16 word option (one common 9-word phrase) reach the 0.3 ratio but cover fewer than 13
    of its words: no longer contaminated."""
    it = next(it for it in small_items if it.options and any(13 <= words(o) <= 16 for o in it.options))
    option = next(o for o in it.options if 13 <= words(o) <= 16)
    phrase = " ".join(option.split()[:9])
    verdict, _ = verdict_for(checker, inject(pages[8], f"We read that {phrase} and moved on."), it)
    assert verdict in ("clean", "partial")


def test_guard_template_with_other_numbers(checker, small_items, pages):
    """A MATH stem whose numbers are replaced (the same template, another problem) is not the item."""
    it = item(small_items, "test/prealgebra/1622.json")  # ... If the perimeter of one of the triangles is 21 inches
    copy = it.question
    assert verdict_for(checker, inject(pages[9], copy), it)[0] == "contaminated"
    other = copy.replace("21 inches", "39 inches")
    assert other != copy and verdict_for(checker, inject(pages[9], other), it)[0] != "contaminated"


def test_guard_one_stock_sentence_of_a_solution(checker, small_items, pages):
    """One shared sentence of a long worked solution flags the page (partial) but does not drop it."""
    it = next(it for it in small_items if it.benchmark == "gsm8k" and words(it.solution) >= 60)
    sentence = " ".join(it.solution.split()[:14])
    verdict, unit = verdict_for(checker, inject(pages[10], sentence), it)
    assert verdict == "partial" and unit == "solution"
