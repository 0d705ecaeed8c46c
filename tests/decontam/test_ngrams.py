"""Normalization, hashing and span mapping."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from curate.decontam.ngrams import (
    batch_word_hashes,
    grown_hashes,
    ngram_hashes,
    normalize,
    prefix_hashes,
    word_hashes,
    word_spans,
)


def test_normalization_folds_case_punctuation_whitespace_and_markup():
    assert normalize("**Janet’s  ducks**\n\n lay 16 EGGS; per _day_!") == "janet s ducks lay 16 eggs per day"
    assert normalize("ＦＵＬＬ width ﬁne") == "full width fine"  # NFKC
    assert normalize("def has_close_elements(numbers: List[float]) -> bool:") == \
        "def has_close_elements numbers list float bool"
    assert normalize(r"$\frac{1}{2} + \log_2 x$ and __init__") == "frac 1 2 log_2 x and init"


def test_same_words_same_hashes_whatever_the_formatting():
    a = word_hashes("What is the VALUE of x, if 2x = 10?")
    b = word_hashes("### what is the value of **x** if 2x=10")
    assert a.dtype == np.uint64 and np.array_equal(a, b)
    assert len(set(word_hashes("one two three one").tolist())) == 3


def test_hashes_are_stable_across_processes():
    """The index is built in one process and read in others: no per-process hash seed may leak in."""
    code = "from curate.decontam.ngrams import word_hashes; print(word_hashes('stable across runs').tolist())"
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert len(outs) == 1 and str(word_hashes("stable across runs").tolist()) in outs.pop()


def test_ngrams_of_every_size_come_from_one_pass():
    words = word_hashes(" ".join(f"w{i}" for i in range(20)))
    grams = ngram_hashes(words, (3, 7, 13))
    assert [len(grams[n]) for n in (3, 7, 13)] == [18, 14, 8]
    shifted = ngram_hashes(words[1:], (7,))[7]
    assert np.array_equal(grams[7][1:], shifted)  # position-independent
    assert len(ngram_hashes(words[:5], (7,))[7]) == 0


def test_batch_equals_one_at_a_time():
    texts = ["First text, with words.", "", "Zweiter Text: äöü ß!", "last one"]
    hashes, first = batch_word_hashes(texts)
    for i, text in enumerate(texts):
        assert np.array_equal(hashes[first[i]:first[i + 1]], word_hashes(text))


def test_word_spans_point_into_the_original_text():
    text = "Ｆｕｌｌ width — and ﬁne print, café."
    spans = word_spans(text)
    assert [text[s:e] for s, e in spans] == ["Ｆｕｌｌ", "width", "and", "ﬁne", "print", "café"]
    plain = "Hello, world"
    assert [plain[s:e] for s, e in word_spans(plain)] == ["Hello", "world"]


def test_whole_and_grown_hashes_equal_the_sliding_ones():
    """Stems are hashed whole at a few positions; those hashes must be the n-gram hashes the scan slides."""
    words = word_hashes("the quick brown fox jumps over the lazy dog again and again today")
    grams = ngram_hashes(words, (1, 3, 5, 12))
    starts = np.array([0, 2, 4, 1])
    assert np.array_equal(prefix_hashes(words, starts, np.array([3, 5, 1, 12])),
                          [grams[3][0], grams[5][2], grams[1][4], grams[12][1]])
    grown = {n: (p.tolist(), h.tolist()) for n, p, h in grown_hashes(words, starts, (3, 5, 12))}
    assert grown[3] == (starts.tolist(), grams[3][starts].tolist())
    assert grown[12] == ([0, 1], grams[12][[0, 1]].tolist())  # 13 words: only positions 0 and 1 hold 12
