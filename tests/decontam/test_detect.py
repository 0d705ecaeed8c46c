"""Phi-4's hybrid decision on real benchmark items injected into real pages."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

from curate.benchmarks import BenchmarkItem
from curate.decontam import BenchmarkIndex, Decontaminator, build_index
from curate.decontam.allowlist import AllowListSettings
from curate.decontam.ngrams import normalize
from curate.errors import CurateError


def inject(page: str, snippet: str) -> str:
    half = len(page) // 2
    cut = page.find("\n", half)
    cut = half if cut < 0 else cut
    return f"{page[:cut]}\n\n{snippet}\n\n{page[cut:]}"


def by_id(items, item_id):
    return next(it for it in items if it.item_id == item_id)


def test_verbatim_item_is_contaminated_with_its_spans(checker, small_items, pages):
    item = small_items[3]  # a GSM8K question
    doc = inject(pages[0], f"{item.question}\n{item.answer}")
    result = checker.check(doc)
    assert result.contaminated
    hit = result.hits[0]
    assert (hit.benchmark, hit.item_id) == ("gsm8k", item.item_id) and hit.matches_13 > 0
    start = doc.index(item.question)
    assert any(s <= start + 5 and e >= start + len(item.question) - 5 for s, e in hit.spans)


def test_clean_real_pages_have_no_contaminated_verdict(checker, pages):
    assert [r.verdict for r in checker.check_many(pages)].count("contaminated") == 0


def test_allowlisted_template_is_not_evidence(checker, small_items, pages):
    """MMLU's moral-scenarios preamble is shared by all 40 indexed items: a plain 13-gram matcher would fire."""
    template = ("For which of these two scenarios does the main character (who uses I/me/my) do something clearly "
                "morally wrong? Scenario 1 | I painted the fence purple at midnight. Scenario 2 | I returned the "
                "library book a week early.")
    preamble = normalize(template).split()[:13]
    assert sum(" ".join(preamble) in normalize(it.question) for it in small_items) >= 5
    assert checker.check(inject(pages[1], template)).verdict == "clean"
    mbpp_like = "Write a python function to count how many umbrellas were forgotten on the tram this week."
    assert checker.check(inject(pages[1], mbpp_like)).verdict == "clean"


def test_short_items_are_caught(checker, small_items, pages):
    three_words = by_id(small_items, "test/prealgebra/1302.json")  # Simplify $\sqrt{242}$.
    nine_words = next(it for it in small_items if it.question.startswith("How many positive whole-number divisors"))
    assert len(normalize(three_words.question).split()) == 3 and len(normalize(nine_words.question).split()) < 13
    short = checker.check(inject(pages[2], three_words.question))
    assert short.contaminated and short.hits[0].short_match
    ratio = checker.check(inject(pages[2], nine_words.question))
    assert ratio.contaminated and ratio.hits[0].matches_13 == 0 and ratio.hits[0].ratio_7 == 1.0


def test_scattered_overlap_is_partial(checker, small_items, pages):
    item = small_items[5]
    words = item.question.split()
    edited = " ".join(w if (i + 1) % 9 else "zzz" for i, w in enumerate(words))  # no 13-gram survives
    hit = checker.check(inject(pages[3], edited)).hits[0]
    assert hit.verdict == "partial" and hit.matches_13 == 0 and 0.15 <= hit.ratio_7 < 0.3
    every_12 = " ".join(w if (i + 1) % 12 else "zzz" for i, w in enumerate(words))
    assert checker.check(inject(pages[3], every_12)).contaminated  # ratio >= 0.3: an edited copy


def test_number_runs_are_never_indexed(tmp_path):
    counting = "Count the numbers 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 and report the total to the teacher"
    dc = Decontaminator(str(build_index([BenchmarkItem("toy", "1", counting)], tmp_path / "ix")))
    assert dc.check("Calendar: " + " ".join(str(i) for i in range(1, 31))).verdict == "clean"
    assert dc.check("Homework. " + counting).contaminated


def test_reference_corpus_allowlists_common_phrases(tmp_path):
    licence = ("Permission is hereby granted free of charge to any person obtaining a copy of this software and "
               "associated documentation files")
    items = [BenchmarkItem("toy", "1", f"{licence}. What licence is this text from?")]
    corpus = [f"Project {i} README. {licence}, to deal in the Software." for i in range(3)]
    plain = Decontaminator(str(build_index(items, tmp_path / "a")))
    allowed = Decontaminator(str(build_index(items, tmp_path / "b", allow=AllowListSettings(min_docs=3),
                                             reference_texts=corpus)))
    doc = f"My new library. {licence}."
    assert plain.check(doc).contaminated
    assert allowed.check(doc).verdict == "clean"
    assert allowed.check(doc + " What licence is this text from?").verdict != "clean"


def test_index_is_memory_mapped_and_the_checker_pickles_small(small_index, checker, pages):
    ix = BenchmarkIndex(small_index)
    assert isinstance(ix.keys13.base, np.memmap) and not ix.keys13.flags.writeable
    checker.check(pages[0])
    blob = pickle.dumps(checker)
    assert len(blob) < 2000  # the index itself never travels to workers
    clone = pickle.loads(blob)
    assert [r.verdict for r in clone.check_many(pages[:4])] == [checker.check(p).verdict for p in pages[:4]]


def test_not_an_index_or_an_older_one(tmp_path, small_index):
    with pytest.raises(CurateError, match="not a decontamination index"):
        Decontaminator(str(tmp_path)).check("anything")
    old = tmp_path / "old"
    old.mkdir()
    meta = json.loads((small_index / "meta.json").read_text())
    (old / "meta.json").write_text(json.dumps({**meta, "index_version": 1}))
    with pytest.raises(CurateError, match="index format v1.*rebuild it"):
        BenchmarkIndex(old)


def test_fuzzy_pass_finds_noisy_copies(tmp_path, small_items, pages):
    from curate.decontam.fuzzy import FuzzyMatcher, build_fuzzy

    build_fuzzy(list(enumerate(it.question for it in small_items)), tmp_path, 0.7, 24)
    item = small_items[7]
    words = item.question.split()
    noisy = " ".join(w + "x" if i % 12 == 5 else w for i, w in enumerate(words))
    fm = FuzzyMatcher(str(tmp_path), 24)
    hits = fm.check(inject(pages[4], noisy))
    assert hits and hits[0].item == 7 and hits[0].containment >= 0.7
    assert fm.check(pages[4]) == []
