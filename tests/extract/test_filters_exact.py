"""curate's reimplementations of datatrove's Gopher repetition, Gopher quality, C4 and FineWeb filters make
datatrove's decisions and datatrove's text edits, on the 1,190 real pages of ``real_texts`` (English and not)."""

from __future__ import annotations

from collections import Counter

import pytest
from datatrove.data import Document
from datatrove.pipeline import filters as dt
from datatrove.pipeline.filters.c4_filters import CITATION_REGEX
from datatrove.utils.text import split_into_sentences

from curate.extract.c4 import C4Rules
from curate.extract.config import C4Config, FineWebConfig, GopherQualityConfig, GopherRepetitionConfig
from curate.extract.filters import build_filters
from curate.extract.tokenizer import SharedWordTokenizer

pytestmark = pytest.mark.slow

CLOSERS = ("”", "’", "»", "›", ")", "]")


def verdict(step, text: str) -> tuple[bool, str | None, str | None]:
    """(kept, reason without curate's prefix, text after) of one filter on one page."""
    doc = Document(text=text, id="page")
    result = step.filter(doc)
    keep, reason = result if isinstance(result, tuple) else (result, None)
    if hasattr(step, "_pending_edits"):  # the edits of a step run outside a pipeline are not needed here
        step._pending_edits.clear()
    return keep, reason and reason.split(".")[-1], doc.text if keep else None


def chain(steps, text: str) -> tuple[int, str | None, str | None]:
    """Run the filters in order, as the stage does: (index of the dropping filter or -1, reason, final text)."""
    for i, step in enumerate(steps):
        keep, reason, text = verdict(step, text)
        if not keep:
            return i, reason, None
    return -1, None, text


def ours(*cfgs):
    return build_filters(list(cfgs))


def datatrove_filters(tokenizer, c4: dict) -> list:
    return [dt.GopherRepetitionFilter(language=tokenizer), dt.GopherQualityFilter(language=tokenizer),
            dt.C4QualityFilter(**c4, language=tokenizer), dt.FineWebQualityFilter(language=tokenizer)]


def test_default_filters_equal_datatrove(real_texts):
    """At the stage's defaults (C4 also cutting lines, as FineWeb: ``edit_text``), each filter alone on every page,
    then the four in the stage's order (FineWeb sees the text C4 left), against datatrove's classes: the same pages
    dropped for the same reason, the same kept text; and C4 at the stage's default (no edit) decides the same.
    datatrove's classes get the shared tokenizer here, whose words are datatrove's on these pages
    (test_tokenizer.py), so the test runs in minutes; test_chain_equals_pure_datatrove_on_a_sample runs them as
    they are."""
    mine = ours(GopherRepetitionConfig(name="gopher_repetition"), GopherQualityConfig(name="gopher_quality"),
                C4Config(name="c4", edit_text=True), FineWebConfig(name="fineweb"))
    (judge_only,) = ours(C4Config(name="c4"))
    reference = datatrove_filters(SharedWordTokenizer("en"), {"filter_no_terminal_punct": False})
    outcomes = Counter()
    for page, text in real_texts:
        results = []
        for step, ref in zip(mine, reference):
            results.append(verdict(ref, text))
            assert verdict(step, text) == results[-1], (page, ref.name)
        keep, reason, _ = results[2]
        assert verdict(judge_only, text) == (keep, reason, text if keep else None), page  # the default: no edit
        # in the stage's order, only FineWeb sees another text than the page's: the one C4 left
        dropped_by = next((i for i, (keep, _, _) in enumerate(results[:3]) if not keep), None)
        if dropped_by is None:
            after_c4 = results[2][2]
            results[3] = verdict(reference[3], after_c4)
            assert verdict(mine[3], after_c4) == results[3], page
            dropped_by = None if results[3][0] else 3
        outcomes[dropped_by] += 1
    assert outcomes[None] > 200 and all(outcomes[i] > 5 for i in range(4))  # every filter drops pages, many are kept


def test_chain_equals_pure_datatrove_on_a_sample(real_texts):
    """A quarter of the pages through datatrove's classes exactly as datatrove runs them (its own tokenizer)."""
    mine = ours(GopherRepetitionConfig(name="gopher_repetition"), GopherQualityConfig(name="gopher_quality"),
                C4Config(name="c4", edit_text=True), FineWebConfig(name="fineweb"))
    reference = datatrove_filters("en", {"filter_no_terminal_punct": False})
    for page, text in real_texts[::4]:
        assert chain(mine, text) == chain(reference, text), page


def test_c4_with_datatrove_defaults(real_texts):
    """C4 at datatrove's own defaults (its terminal-punctuation rule on, C4's punctuation list) on every page."""
    (mine,) = ours(C4Config(name="c4", filter_no_terminal_punct=True, typographic_closers=False, edit_text=True))
    reference = dt.C4QualityFilter(language=SharedWordTokenizer("en"))
    for page, text in real_texts:
        assert verdict(mine, text) == verdict(reference, text), page


def test_c4_sentence_mode(real_texts):
    """``split_paragraph: false`` (C4 judges sentences, not lines) on a sample of the pages."""
    (mine,) = ours(C4Config(name="c4", split_paragraph=False, edit_text=True))
    reference = dt.C4QualityFilter(split_paragraph=False, filter_no_terminal_punct=False,
                                   language=SharedWordTokenizer("en"))
    for page, text in real_texts[::4]:
        assert verdict(mine, text) == verdict(reference, text), page


def test_typographic_closers_differ_only_on_lines_ending_in_one(real_texts):
    """With the terminal-punctuation rule on, ``typographic_closers`` changes nothing on pages without a line
    ending in a typographic closing quote or bracket. On the others it keeps every line datatrove keeps and more,
    unless one of the lines it now keeps drops the whole page (a curly bracket, lorem ipsum), as C4 does."""
    (mine,) = ours(C4Config(name="c4", filter_no_terminal_punct=True, edit_text=True))
    reference = dt.C4QualityFilter(filter_no_terminal_punct=True, language=SharedWordTokenizer("en"))
    changed = Counter()
    for page, text in real_texts:
        got, expected = verdict(mine, text), verdict(reference, text)
        if not any(line.strip().endswith(CLOSERS) for line in text.splitlines()):
            assert got == expected, page
        elif got != expected:
            if not got[0]:
                assert got[1] in ("curly_bracket", "lorem_ipsum") or not expected[0], page
                changed["dropped"] += 1
            elif expected[0]:
                assert not Counter(expected[2].splitlines()) - Counter(got[2].splitlines()), page
                changed["more lines"] += 1
            else:
                changed["kept"] += 1  # enough sentences now
    assert changed["more lines"] > 50, changed


def test_c4_edits_account_for_every_change(real_texts):
    """For every page C4 keeps, the lines recorded as removed and the kept lines are exactly the page's lines, and
    lines and characters add up: nothing leaves the text without an edit record."""
    tokenizer = SharedWordTokenizer("en")
    opts = C4Config(name="c4", filter_no_terminal_punct=True).model_dump(exclude={"name", "implementation"})
    rules = C4Rules(opts, lambda text: split_into_sentences(text, tokenizer))
    seen = Counter()
    for page, text in real_texts:
        outcome = rules.apply(text)
        if outcome.reason is not None:
            continue
        lines, after = text.splitlines(), outcome.text
        removed = Counter(line for e in outcome.edits if e.rule not in ("c4.citation", "c4.whitespace")
                          for line in e.removed)
        kept = Counter(line.strip() for line in lines if line.strip()) - removed
        assert Counter(CITATION_REGEX.sub("", line).strip() for line in kept.elements()) - Counter([""]) \
            == Counter(line.strip() for line in after.splitlines()) - Counter([""]), page
        n_removed = sum(e.lines for e in outcome.edits)
        assert n_removed == len(lines) - len(after.splitlines()), page
        blank = sum(e.lines for e in outcome.edits if e.rule == "c4.whitespace")
        assert blank == sum(1 for line in lines if not line.strip()), page
        if lines == text.split("\n"):  # line breaks are all "\n": the characters add up exactly
            assert sum(e.chars for e in outcome.edits) + n_removed == len(text) - len(after), page
        seen.update(e.rule for e in outcome.edits)
    assert {"c4.no_terminal_punct", "c4.too_few_words", "c4.javascript", "c4.policy", "c4.citation",
            "c4.whitespace"} <= set(seen), seen
