"""Evidence beyond shared n-grams: an anchored stem's parts nearby, and a template filled with other numbers.

Both look at a few words around a match in one document, so they run only for documents with a hit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from curate.decontam.index import BenchmarkIndex
from curate.decontam.ngrams import batch_words_numeric, ngram_hashes

PARTS_BEFORE = 16  # words before an anchored stem searched for its parts (an answer given first)
PARTS_SLACK = 24  # words after the stem searched beyond twice the parts' length (labels, "Answer:", layout)
NUMBER_WINDOW = 6  # words beside a stem's matched stretch where another number marks another problem


@dataclass
class Doc:
    """One checked text: its words' hashes, its number of distinct 7-grams, and (on demand) which words are numbers."""

    text: str
    words: np.ndarray
    n7: int
    _digits: np.ndarray | None = None

    @property
    def digits(self) -> np.ndarray:
        if self._digits is None:
            self._digits = batch_words_numeric([self.text])[2]
        return self._digits


def other_numbers(ix: BenchmarkIndex, unit: int, matches, n: int, doc: Doc) -> bool:
    """Is the document, in every alignment of a numbered stem's matches, the same template filled in with other
    numbers? Beside the matched stretch it agrees with the stem on a word but holds another number where the stem
    has one ("The quadratic $x^2+1300x+1300$ can be written in the form..." against the test item about
    $x^2-6x+66$: another problem). A copy cut out of the stem has unrelated words beside it instead."""
    a, b = int(ix.num_off[unit]), int(ix.num_off[unit + 1])
    if a == b:
        return False
    words, numbers = ix.num_words[a:b], ix.num_digits[a:b]
    by_offset: dict[int, list[int]] = {}
    for q, p in matches:
        by_offset.setdefault(p - q, []).append(q)
    for offset, starts in by_offset.items():
        lo, hi = min(starts), max(starts) + n
        near = [q for q in (*range(max(0, lo - NUMBER_WINDOW), lo), *range(hi, min(len(words), hi + NUMBER_WINDOW)))
                if 0 <= q + offset < len(doc.words)]
        same = [doc.words[q + offset] == words[q] for q in near]
        other_number = any(numbers[q] and doc.digits[q + offset] and not eq for q, eq in zip(near, same))
        if not (other_number and any(eq and not numbers[q] for q, eq in zip(near, same))):
            return False
    return True


def find_parts(ix: BenchmarkIndex, unit: int, starts: list[int], doc_words: np.ndarray):
    """The composite unit an anchored stem makes with its item's parts, and the word ranges that show it.

    Looks at the words just before each occurrence of the stem (``PARTS_BEFORE``) and after it (twice the parts'
    length plus ``PARTS_SLACK``, room for labels, line breaks and an "Answer:" line). Returns ``("stem+answer" |
    "item", ranges)``, or None when the parts found do not identify the item.
    """
    item = int(ix.unit_item[unit])
    a, b = int(ix.part_off[item]), int(ix.part_off[item + 1])
    if a == b:
        return None
    keys, lens = ix.part_key[a:b], ix.part_len[a:b].astype(np.int64)
    counted = np.ones(b - a, bool) if ix.unit_distinctive[unit] else ix.part_rare[a:b]
    n, after = int(ix.unit_words[unit]), 2 * int(lens.sum()) + PARTS_SLACK
    sizes = tuple(sorted(set(lens.tolist())))
    for s in starts:
        found, ranges = np.zeros(b - a, bool), [(s, s + n)]
        for lo, hi in ((max(0, s - PARTS_BEFORE), s), (s + n, min(len(doc_words), s + n + after))):
            grams = ngram_hashes(doc_words[lo:hi], sizes)
            for j in np.flatnonzero(counted & ~found).tolist():
                at = np.flatnonzero(grams[lens[j]] == keys[j])
                if len(at):
                    found[j] = True
                    ranges.append((lo + int(at[0]), lo + int(at[0]) + int(lens[j])))
        if len(np.unique(keys[found])) >= 2:
            return "item", ranges
        if (found & ix.part_answer[a:b]).any():
            return "stem+answer", ranges
    return None
