"""Gopher repetition's n-gram measures, computed with NumPy, equal to datatrove's to the character.

datatrove's :class:`~datatrove.pipeline.filters.GopherRepetitionFilter` builds every n-gram of a page as a Python
string, six times for the duplicated n-grams (n = 5..10) and three times for the top n-grams (n = 2..4), which is
most of its cost. Here each n-gram is an integer id, equal for two n-grams exactly when datatrove's strings are equal:

- top n-grams are datatrove's ``" ".join(words[i:i + n])``. No word contains a space (datatrove's words are spaCy
  tokens, split at whitespace), so two such strings are equal when their words are: ids come from word ids, pairwise.
- duplicated n-grams are ``"".join(words[i:i + n])``, where different words can make the same string ("ab" "c" and
  "a" "bc"): ids come from a polynomial hash of the characters, and n-grams that share a hash are compared as
  strings, so a hash collision cannot merge two different n-grams.

Ties and order follow datatrove's code: the top n-gram is the most frequent one that occurs first (what
``Counter.most_common(1)`` returns), and the duplicate scan skips the n words after each duplicate, as datatrove's
loop does.
"""

from __future__ import annotations

import numpy as np

_BASE = np.uint64(0x9E3779B97F4A7C15)  # odd, so invertible modulo 2**64
_BASE_INV = np.uint64(pow(int(_BASE), -1, 2**64))


class WordSequence:
    """A page's words as integer arrays: word ids (in order of first occurrence), lengths, offsets in the words'
    concatenation, and the distinct words themselves, so per-word tests run once per distinct word."""

    def __init__(self, words: list[str]):
        index = dict.fromkeys(words)
        for i, word in enumerate(index):
            index[word] = i
        self.words = words
        self.distinct = list(index)
        self.ids = np.fromiter(map(index.__getitem__, words), dtype=np.int64, count=len(words))
        self.lengths = np.fromiter(map(len, self.distinct), dtype=np.int64, count=len(self.distinct))[self.ids]
        self.offsets = np.concatenate(([0], np.cumsum(self.lengths)))
        self.has_space = any(" " in w for w in self.distinct)
        self._ngram_keys = [self.ids]  # [n - 1]: ids of the n-grams of n words
        self._joined: str | None = None
        self._prefix = self._inverse_powers = None

    def count(self, distinct_mask: np.ndarray) -> int:
        """How many words (with repeats) are among the distinct words selected by ``distinct_mask``."""
        return int(distinct_mask[self.ids].sum())

    def top_ngram_chars(self, n: int) -> int | None:
        """datatrove's ``find_top_duplicate(get_n_grams(words, n))``: the characters of the most frequent
        ``" "``-joined n-gram times its count; None when there are fewer than n words."""
        m = len(self.ids) - n + 1
        if m <= 0:
            return None
        while len(self._ngram_keys) < n:  # ids of (k+1)-grams from those of k-grams and the next word's
            k = len(self._ngram_keys)
            pairs = self._ngram_keys[-1][: len(self.ids) - k] * len(self.distinct) + self.ids[k:]
            self._ngram_keys.append(np.unique(pairs, return_inverse=True)[1])
        _, first, counts = np.unique(self._ngram_keys[n - 1], return_index=True, return_counts=True)
        best = counts.max()
        start = int(first[counts == best].min())
        return (int(self.offsets[start + n] - self.offsets[start]) + n - 1) * int(best)

    def repeated_fraction_over(self, n: int, text_length: int, frac: float) -> bool:
        """datatrove's test ``find_all_duplicate(words, n) / len(text) > frac``: do the characters of the
        ``"".join``-ed n-grams already seen (scanning left to right, jumping n words past each repeat) exceed it?"""
        m = len(self.ids) - n + 1
        if m <= 0:
            return 0 / text_length > frac
        keys = self._concat_keys(n, m)
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        repeats = np.flatnonzero(first[inverse] < np.arange(m))  # an n-gram seen at an earlier position
        bound = int((self.offsets[repeats + n] - self.offsets[repeats]).sum())
        if bound / text_length <= frac:  # the scan counts some of these repeats, never more: cannot exceed
            return False
        return self._scan(n, m, inverse, len(first), repeats) / text_length > frac

    def _scan(self, n: int, m: int, inverse: np.ndarray, n_keys: int, repeats: np.ndarray) -> int:
        """datatrove's scan over the positions, visiting only the repeats: a repeat counts when an earlier
        occurrence of its n-gram was looked at (not jumped over), and then the next n - 1 positions are jumped."""
        order = np.argsort(inverse, kind="stable")  # positions grouped by n-gram, each group ascending
        group_start = np.searchsorted(inverse[order], np.arange(n_keys + 1))
        skipped = np.zeros(m, dtype=bool)
        total, idx = 0, 0
        for p in repeats.tolist():
            if p < idx:
                continue  # inside the jump after the previous repeat: datatrove never looks at it
            k = inverse[p]
            same = order[group_start[k] : group_start[k + 1]]
            if (~skipped[same[same < p]]).any():  # an earlier occurrence was looked at, so it is in the set
                total += int(self.offsets[p + n] - self.offsets[p])
                skipped[p + 1 : p + n] = True
                idx = p + n
        return total

    def _concat_keys(self, n: int, m: int) -> np.ndarray:
        """Ids of ``"".join(words[i:i + n])`` for i < m: equal exactly when the strings are."""
        if self._prefix is None:
            self._joined = "".join(self.words)
            chars = np.frombuffer(self._joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
            powers = np.cumprod(np.concatenate(([np.uint64(1)], np.full(len(chars), _BASE, dtype=np.uint64))))
            self._prefix = np.concatenate(([np.uint64(0)], np.cumsum(chars * powers[:-1], dtype=np.uint64)))
            self._inverse_powers = np.cumprod(
                np.concatenate(([np.uint64(1)], np.full(len(chars), _BASE_INV, dtype=np.uint64))))
        start, end = self.offsets[:m], self.offsets[n : n + m]
        hashes = (self._prefix[end] - self._prefix[start]) * self._inverse_powers[start]
        _, ids, counts = np.unique(hashes, return_inverse=True, return_counts=True)
        shared = np.flatnonzero(counts[ids] > 1)
        if len(shared):  # confirm shared hashes on the strings themselves: a collision gets its own id
            names: dict[str, int] = {}
            base = len(counts)
            for p, a, b in zip(shared.tolist(), start[shared].tolist(), end[shared].tolist()):
                ids[p] = base + names.setdefault(self._joined[a:b], len(names))
        return ids
