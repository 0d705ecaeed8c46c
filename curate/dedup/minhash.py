"""Vectorized MinHash: normalized words → 64-bit word-n-gram shingle hashes → signatures, a batch at a time.

Only the per-document normalization is Python; everything after it runs in numpy over *all* characters, words
and shingles of a batch of documents at once:

1. Normalization: Unicode NFKC and lower case. Words are maximal runs of word characters (``str.isalnum()``
   or ``_``, as ``\\w`` in Python's ``re``); everything else (punctuation, symbols, whitespace) separates words.
2. Word hashes: one pass over the code points of the whole batch, a polynomial hash modulo 2**64 of mixed code
   points computed for every word at once from prefix sums, then mixed (splitmix64's finalizer).
3. Shingle hashes (64 bits): ``n`` consecutive word hashes times distinct odd multipliers, summed and mixed.
   A document with fewer than ``n`` words has one shingle made of all its words; one without words has none.
4. Exact-duplicate hash: a position-tagged sum of the word hashes (equal iff the normalized texts are equal,
   up to 64-bit collisions).
5. MinHash: function ``k`` is ``x * a_k mod 2**64`` with a random odd ``a_k`` (a permutation of the 64-bit
   shingle hashes, which are already uniformly mixed); the signature is the per-function minimum.

The band/row split follows datasketch's ``_optimal_param``: among all ``b * r <= K``, the pair minimizing the
weighted areas under the false-positive and false-negative parts of the LSH S-curve ``1 - (1 - s**r)**b``.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from curate.hashing import codepoint_table, inverse, mix64, powers

_MAX = np.iinfo(np.uint64).max
_MASK32 = np.uint64(0xFFFFFFFF)
# rows x hash functions of the signature matrix computed at once; small enough to stay in the CPU cache
_CHUNK_ELEMENTS = 1 << 18
_WORD_TABLE_SIZE = 0x10000  # the Basic Multilingual Plane; code points beyond it are treated as word characters


def normalize(text: str) -> str:
    """Unicode NFKC (skipped when the text already is in that form, e.g. any ASCII text), then lower case."""
    if not text.isascii() and not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return text.lower()


def normalized_words(text: str) -> list[str]:
    """The words of ``text`` as the signatures see them: maximal runs of word characters of its normal form."""
    table = codepoint_table("word", _WORD_TABLE_SIZE)
    norm = normalize(text)
    return "".join(c if ord(c) > 0xFFFF or table[ord(c)] else " " for c in norm).split()


@dataclass
class BatchHashes:
    """What the signature step needs of a batch of documents (row ``i`` is document ``i``)."""

    signatures: np.ndarray  # (docs, num_perm) uint64; all 2**64-1 for a document without words
    exact: np.ndarray  # (docs,) uint64 hash of the normalized text
    n_words: np.ndarray  # (docs,) int64
    chars: np.ndarray  # (docs,) int64 characters of the normalized text
    shingles32: np.ndarray  # uint32 low halves of the shingle hashes, document after document
    shingle_offsets: np.ndarray  # (docs + 1,) int64: document i owns shingles32[off[i]:off[i+1]]


class MinHasher:
    """Hashes batches of texts into signatures. Deterministic for a given ``seed``, on any machine or task."""

    def __init__(self, num_perm: int, ngram: int, seed: int = 1):
        self.num_perm = num_perm
        self.ngram = ngram
        self.seed = seed
        rng = np.random.default_rng(seed)
        self._char_mult = np.uint64(int(rng.integers(2**40, 2**62)) | 1)
        self._base = np.uint64(int(rng.integers(2**40, 2**62)) | 1)
        self._shingle_mult = rng.integers(1, 2**63, size=ngram, dtype=np.uint64) | np.uint64(1)
        self._a = (rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) << np.uint64(1)) | np.uint64(1)
        self._band_mult = rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) | np.uint64(1)
        self._inverse = inverse(self._base)

    def _power_tables(self, length: int) -> tuple[np.ndarray, np.ndarray]:
        """base**j and base**-j (mod 2**64) for j < length."""
        return powers(self._base, length)[:length], powers(self._inverse, length)[:length]

    def hash_batch(self, texts: list[str]) -> BatchHashes:
        """Signatures, exact hashes and shingles of every text of the batch."""
        normalized = [normalize(t) for t in texts]
        sizes = np.fromiter((len(t) + 1 for t in normalized), dtype=np.int64, count=len(texts))
        joined = "\n".join(normalized) + "\n"
        codes = np.frombuffer(joined.encode("utf-32-le", errors="surrogatepass"), dtype=np.uint32)
        words, starts = self._word_hashes(codes)
        doc_of_word = np.searchsorted(np.cumsum(sizes), starts, side="right")
        counts = np.bincount(doc_of_word, minlength=len(texts)).astype(np.int64)
        shingles, offsets = self._shingles(words, counts)
        return BatchHashes(
            signatures=self.signatures(shingles, offsets),
            exact=self._exact(words, counts),
            n_words=counts,
            chars=sizes - 1,
            shingles32=(shingles & _MASK32).astype(np.uint32),
            shingle_offsets=offsets,
        )

    def _word_hashes(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(64-bit hash, first position) of every word in the code points ``codes`` (ending with a separator)."""
        is_word = codepoint_table("word", _WORD_TABLE_SIZE)[np.minimum(codes, 0xFFFF)] | (codes > 0xFFFF)
        edges = np.diff(is_word.view(np.int8), prepend=np.int8(0))
        starts = np.flatnonzero(edges == 1)
        ends = np.flatnonzero(edges == -1)
        powers, inv_powers = self._power_tables(len(codes) + 1)
        prefix = np.zeros(len(codes) + 1, dtype=np.uint64)
        values = codes.astype(np.uint64)
        values *= self._char_mult
        values ^= values >> np.uint64(29)
        values *= powers[: len(codes)]
        np.cumsum(values, out=prefix[1:])
        h = (prefix[ends] - prefix[starts]) * inv_powers[starts]
        return mix64(h + (ends - starts).astype(np.uint64)), starts

    def _shingles(self, words: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """64-bit hashes of every word n-gram, never crossing documents; (hashes, per-document offsets)."""
        n = self.ngram
        word_end = np.repeat(np.cumsum(counts), counts)  # one past the last word of the word's document
        doc_start = word_end - np.repeat(counts, counts)
        idx = np.arange(len(words))
        acc = np.zeros(len(words), dtype=np.uint64)
        padded = np.concatenate((words, np.zeros(n, dtype=np.uint64)))
        for t in range(n):
            term = padded[t : t + len(words)] * self._shingle_mult[t]
            acc += np.where(idx + t < word_end, term, np.uint64(0))
        valid = (idx + n <= word_end) | ((idx == doc_start) & (word_end - doc_start < n))
        per_doc = np.where(counts >= n, counts - n + 1, np.minimum(counts, 1))
        offsets = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(per_doc, out=offsets[1:])
        return mix64(acc[valid]), offsets

    def _exact(self, words: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """Per document, a hash of its word sequence: equal for texts that normalize to the same words."""
        first = np.repeat(np.cumsum(counts) - counts, counts)
        position = (np.arange(len(words)) - first).astype(np.uint64)
        tagged = mix64(words ^ (position * np.uint64(0x9E3779B97F4A7C15)))
        sums = np.zeros(len(counts), dtype=np.uint64)
        if len(words):
            nonempty = counts > 0
            sums[nonempty] = np.add.reduceat(tagged, (np.cumsum(counts) - counts)[nonempty])
        return mix64(sums + counts.astype(np.uint64))

    def signatures(self, shingles: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """MinHash signatures, shape (documents, num_perm). A document without shingles gets all 2**64-1."""
        out = np.full((len(offsets) - 1, self.num_perm), _MAX, dtype=np.uint64)
        rows = max(1, _CHUNK_ELEMENTS // self.num_perm)
        buf = np.empty((rows, self.num_perm), dtype=np.uint64)
        lo = 0
        doc = 0
        while lo < len(shingles):
            hi = min(len(shingles), lo + rows)
            part = buf[: hi - lo]
            np.multiply(shingles[lo:hi, None], self._a, out=part)
            # fold the chunk into every document it overlaps (a long document spans several chunks)
            while doc < len(offsets) - 1 and offsets[doc] < hi:
                s, e = max(offsets[doc], lo), min(offsets[doc + 1], hi)
                if e > s:
                    np.minimum(out[doc], part[s - lo : e - lo].min(axis=0), out=out[doc])
                if offsets[doc + 1] > hi:
                    break
                doc += 1
            lo = hi
        return out

    def band_hashes(self, sigs: np.ndarray, bands: int, rows: int) -> np.ndarray:
        """One 64-bit hash per (document, band) of ``rows`` consecutive signature values: (documents, bands)."""
        used = sigs[:, : bands * rows].reshape(len(sigs), bands, rows)
        return mix64((used * self._band_mult[:rows]).sum(axis=2, dtype=np.uint64))


def _s_curve_integrals(threshold: float, bands: int, rows: int, steps: int = 2000) -> tuple[float, float]:
    """(false-positive area below the threshold, false-negative area above it) of the LSH S-curve."""
    lo = np.linspace(0.0, threshold, steps)
    hi = np.linspace(threshold, 1.0, steps)
    fp = np.trapezoid(1 - (1 - lo**rows) ** bands, lo)
    fn = np.trapezoid((1 - hi**rows) ** bands, hi)
    return float(fp), float(fn)


@lru_cache(maxsize=None)
def optimal_bands_rows(threshold: float, num_perm: int, fp_weight: float = 0.5, fn_weight: float = 0.5):
    """The (bands, rows) with ``bands * rows <= num_perm`` minimizing ``fp_weight*FP + fn_weight*FN``.

    This is the method of datasketch's ``MinHashLSH`` (also used by text-dedup): FP and FN are the areas under the
    probability that a pair of Jaccard ``s`` does / does not share a band, below / above the threshold. Cached:
    the search takes a tenth of a second and every step of the dedup stage asks for the same split.
    """
    best, best_err = (1, 1), float("inf")
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            fp, fn = _s_curve_integrals(threshold, bands, rows, steps=400)
            err = fp_weight * fp + fn_weight * fn
            if err < best_err:
                best, best_err = (bands, rows), err
    return best


def candidate_probability(similarity: float, bands: int, rows: int) -> float:
    """Probability that two documents of Jaccard ``similarity`` share at least one band."""
    return 1.0 - (1.0 - similarity**rows) ** bands
