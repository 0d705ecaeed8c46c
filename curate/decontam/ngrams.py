"""Text normalization and 64-bit hashed word n-grams, vectorized with numpy.

Normalization (version :data:`NORM_VERSION`): Unicode NFKC, lower case, and every run of non-word characters
(punctuation, symbols, whitespace, markup) becomes one separator. A word is a run of Unicode letters and digits,
where an ``_`` between two of them joins them, so code identifiers (``has_close_elements``) and LaTeX commands
(``\\frac`` → ``frac``, ``\\log_2`` → ``log_2``) survive as words while indentation, brackets, ``$``, markdown
``**``/``_``/``#``/``-`` and quote styles vanish.

Hashing is deterministic across processes and machines (no Python ``hash()``): each word's code points are combined
as a polynomial modulo 2**64 through prefix sums, then mixed with the splitmix64 finalizer; an n-gram combines
``n`` word hashes the same way. Everything runs as whole-array numpy operations over a batch of documents, which
is what makes the scan faster than a plain Python 13-gram matcher while doing more.
"""

from __future__ import annotations

import unicodedata

import numpy as np

from curate.hashing import codepoint_table, inverse, mix64, powers

NORM_VERSION = 1
_CP_BASE = np.uint64(0x100000001B3)  # odd, so it is invertible modulo 2**64
_CP_BASE_INV = np.uint64(inverse(_CP_BASE))
_GRAM_BASE = np.uint64(0x9E3779B97F4A7C15)
_UNDERSCORE = ord("_")
_TABLE_SIZE = 0x30000  # code points above this (rare: emoji, historic scripts) count as word characters


def _fold(text: str) -> str:
    """NFKC and lower case; the folded text is what word boundaries and hashes are computed on."""
    return unicodedata.normalize("NFKC", text).lower()


def _bounds(folded: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(code points, word starts, word ends) of a folded text; words are maximal runs of word characters."""
    cps = np.frombuffer(folded.encode("utf-32-le"), dtype=np.uint32)
    alnum = np.ones(len(cps) + 2, dtype=bool)
    alnum[0] = alnum[-1] = False
    small = cps < _TABLE_SIZE
    alnum[1:-1][small] = codepoint_table("alnum", _TABLE_SIZE)[cps[small]]
    is_word = alnum.astype(np.int8)
    # "_" joins two alphanumerics (snake_case, log_2) but is markup at a word's edge (_italic_, __init__)
    is_word[1:-1] |= (cps == _UNDERSCORE) & alnum[:-2] & alnum[2:]
    edges = np.diff(is_word)
    return cps, np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def normalize(text: str) -> str:
    """The normalized text, words separated by single spaces (for people and tests; the scan never builds it)."""
    folded = _fold(text)
    _, starts, ends = _bounds(folded)
    return " ".join(folded[a:b] for a, b in zip(starts.tolist(), ends.tolist()))


def _hash_words(cps: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The hash of each word ``cps[start:end]``: a polynomial over its code points via prefix sums, then mixed."""
    if not len(starts):
        return np.zeros(0, dtype=np.uint64)
    n = len(cps)
    prefix = np.zeros(n + 1, dtype=np.uint64)
    np.cumsum(cps.astype(np.uint64) * powers(_CP_BASE_INV, n)[:n], out=prefix[1:])
    poly = (prefix[ends] - prefix[starts]) * powers(_CP_BASE, n)[starts]
    return mix64(poly + (ends - starts).astype(np.uint64))


def batch_word_hashes(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Word hashes of many texts at once, and ``first``: text i's words are ``hashes[first[i]:first[i + 1]]``.

    The texts are joined with a separator and hashed with one set of array operations, which is what makes the scan
    fast: numpy's per-call overhead is paid per batch, not per document.
    """
    hashes, first, _ = _batch(texts)
    return hashes, first


def batch_words_numeric(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Like :func:`batch_word_hashes`, plus a flag per word: is it made of digits only."""
    return _batch(texts, numeric=True)


def _batch(texts: list[str], numeric: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    folded = [_fold(t) for t in texts]
    cps, starts, ends = _bounds(" ".join(folded))
    text_starts = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum([len(f) + 1 for f in folded], out=text_starts[1:])
    first = np.searchsorted(starts, text_starts)
    digits = None
    if numeric:
        small = cps < _TABLE_SIZE
        not_digit = np.ones(len(cps), dtype=np.int64)
        not_digit[small] = ~codepoint_table("digit", _TABLE_SIZE)[cps[small]]
        counts = np.concatenate(([0], np.cumsum(not_digit)))
        digits = (counts[ends] - counts[starts]) == 0
    return _hash_words(cps, starts, ends), first, digits


def word_hashes(text: str) -> np.ndarray:
    """One 64-bit hash per normalized word of a raw text, in order."""
    cps, starts, ends = _bounds(_fold(text))
    return _hash_words(cps, starts, ends)


def ngram_hashes(words: np.ndarray, sizes: tuple[int, ...]) -> dict[int, np.ndarray]:
    """Hashes of every contiguous n-gram for each n in ``sizes``; entry i of size n covers words i..i+n-1.

    All sizes come from one pass of polynomial accumulation (size n extends size n-1 by one word), so asking for
    13, 7 and a few short sizes costs about as much as asking for 13 alone.
    """
    out: dict[int, np.ndarray] = {}
    if not sizes:
        return out
    acc = words
    for n in range(1, max(sizes) + 1):
        if n > 1:
            if len(acc) <= 1:
                acc = acc[:0]
            else:
                acc = acc[:-1] * _GRAM_BASE + words[n - 1:]
        if n in sizes:
            out[n] = mix64(acc ^ np.uint64(n))
    return out


def prefix_hashes(words: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The n-gram hash of ``words[s:s + n]`` for each (start s, length n): equal to ``ngram_hashes(words, (n,))[n][s]``
    but computed only at those positions, so texts of many different lengths are hashed whole in one pass."""
    lengths = np.asarray(lengths, dtype=np.int64)
    acc = np.zeros(len(starts), dtype=np.uint64)
    for k in range(int(lengths.max(initial=0))):
        more = lengths > k
        acc[more] = acc[more] * _GRAM_BASE + words[starts[more] + k]
    return mix64(acc ^ lengths.astype(np.uint64))


def grown_hashes(words: np.ndarray, starts: np.ndarray, sizes: tuple[int, ...]):
    """For each n in ``sizes`` (ascending): (n, the starts with n words left, the n-gram hash at each of them), grown
    one word at a time from the same accumulator, so many sizes at a few positions cost one pass."""
    acc = np.zeros(len(starts), dtype=np.uint64)
    for k in range(max(sizes, default=0)):
        keep = starts + k < len(words)
        starts, acc = starts[keep], acc[keep] * _GRAM_BASE + words[starts[keep] + k]
        if k + 1 in sizes:
            yield k + 1, starts, mix64(acc ^ np.uint64(k + 1))


def word_spans(text: str) -> list[tuple[int, int]]:
    """Character spans in the ORIGINAL text of each normalized word, in order.

    Only computed for documents with a hit (for highlighting). When NFKC changes the text's length, positions are
    mapped back character by character.
    """
    folded = _fold(text)
    _, starts, ends = _bounds(folded)
    spans = list(zip(starts.tolist(), ends.tolist()))
    if len(folded) == len(text):
        return spans
    offsets: list[int] = []
    for i, ch in enumerate(text):
        offsets.extend([i] * len(_fold(ch)))
    if len(offsets) != len(folded):  # composition across characters: map positions proportionally
        scale = len(text) / max(len(folded), 1)
        return [(int(s * scale), min(len(text), int(round(e * scale)))) for s, e in spans]
    offsets.append(len(text))
    return [(offsets[s], offsets[e - 1] + 1) for s, e in spans]
