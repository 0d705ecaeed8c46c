"""The optional fuzzy pass: near-verbatim copies found with datasketch's MinHash LSH Ensemble (containment).

Exact n-grams miss a copy whose words were edited every few words (typos, synonyms, OCR noise). This pass indexes
each benchmark question as a set of word 3-grams in an LSH Ensemble, slides a window of ``window`` words (step
``window // 2``) over a document, and asks the ensemble for questions that contain most of the window's 3-grams.
Windows whose 3-grams are not mostly found in the union of all questions are skipped before any LSH query (a
necessary condition, so nothing is lost); every candidate is then verified exactly
(``|window ∩ question| / |window| >= containment``), so the LSH only prunes. The verdict is ``fuzzy``, reported
apart from the exact verdicts and never merged into them.

Signatures are computed with numpy from our own 64-bit shingle hashes and handed to datasketch as hash values.
The ensemble and the questions' shingle sets are pickled beside the index (``fuzzy.pkl``); this pass costs far more
than the exact scan (see docs/decontam.md), so it is off by default and skips documents already contaminated.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from curate.decontam.allowlist import members
from curate.decontam.detect import char_spans
from curate.decontam.ngrams import ngram_hashes, word_hashes, word_spans
from curate.errors import missing_package
from curate.storage import local_copy

SHINGLE = 3
NUM_PERM = 128
_rng = np.random.default_rng(20241212)
_PERM_A = (_rng.integers(1, 1 << 63, NUM_PERM, dtype=np.uint64) | np.uint64(1))
_PERM_B = _rng.integers(0, 1 << 63, NUM_PERM, dtype=np.uint64)


@dataclass
class FuzzyHit:
    item: int
    containment: float
    span: tuple[int, int]


def signature(shingles: np.ndarray) -> np.ndarray:
    """A MinHash signature (NUM_PERM values of 32 bits) of a set of 64-bit shingle hashes."""
    permuted = (shingles[:, None] * _PERM_A[None, :] + _PERM_B[None, :]) >> np.uint64(32)
    return permuted.min(axis=0)


def _minhash(sig: np.ndarray):
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, hashvalues=sig, scheme="affine32")


def build_fuzzy(questions: list[tuple[int, str]], folder: str | Path, containment: float, min_words: int) -> Path:
    """Index ``(item, question)`` pairs of at least ``min_words`` words; saves ``fuzzy.pkl`` in ``folder``."""
    try:
        from datasketch import MinHashLSHEnsemble
    except ImportError:
        raise missing_package("datasketch") from None
    entries, sets = [], {}
    for item, text in questions:
        words = word_hashes(text)
        if len(words) < min_words:
            continue
        shingles = np.unique(ngram_hashes(words, (SHINGLE,))[SHINGLE])
        sets[item] = shingles
        entries.append((item, _minhash(signature(shingles)), len(shingles)))
    lsh = MinHashLSHEnsemble(threshold=containment, num_perm=NUM_PERM, num_part=16)
    lsh.index(entries)
    union = np.unique(np.concatenate(list(sets.values()))) if sets else np.zeros(0, np.uint64)
    path = Path(folder) / "fuzzy.pkl"
    with path.open("wb") as fh:
        pickle.dump({"lsh": lsh, "sets": sets, "union": union, "containment": containment, "min_words": min_words},
                    fh)
    return path


class FuzzyMatcher:
    """Windows of a document queried against the saved ensemble; loads ``fuzzy.pkl`` on first use."""

    def __init__(self, index_dir: str, window: int = 24):
        self.index_dir = str(index_dir)
        self.window = window
        self._data: dict | None = None

    def __getstate__(self):
        return {**self.__dict__, "_data": None}

    @property
    def data(self) -> dict:
        if self._data is None:
            with (Path(local_copy(self.index_dir)) / "fuzzy.pkl").open("rb") as fh:
                self._data = pickle.load(fh)
        return self._data

    def check(self, text: str) -> list[FuzzyHit]:
        """Verified near-verbatim hits, best window per item."""
        lsh, sets, threshold = self.data["lsh"], self.data["sets"], self.data["containment"]
        words = word_hashes(text)
        shingles = ngram_hashes(words, (SHINGLE,))[SHINGLE]
        best: dict[int, FuzzyHit] = {}
        step = max(1, self.window // 2)
        # a window contained in one question is contained in the union of all questions: count that first
        known = np.concatenate(([0], np.cumsum(members(shingles, self.data["union"]))))
        for start in range(0, max(1, len(shingles) - self.window + step), step):
            end = min(start + self.window, len(shingles))
            if end - start < self.window // 2 or known[end] - known[start] < threshold * (end - start):
                continue
            window = np.unique(shingles[start:end])
            for item in lsh.query(_minhash(signature(window)), len(window)):
                score = float(members(window, sets[item]).mean())
                if score >= threshold and score > getattr(best.get(item), "containment", 0.0):
                    best[item] = FuzzyHit(item, round(score, 4), (start, start + self.window + SHINGLE - 1))
        if best:
            spans = word_spans(text)
            for hit in best.values():
                (hit.span,) = char_spans([hit.span], spans)
        return sorted(best.values(), key=lambda h: -h.containment)
