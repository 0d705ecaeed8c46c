"""Phi-4's hybrid decision, applied to one text at a time against a saved :class:`BenchmarkIndex`.

For each benchmark item (its question and, when long enough, its answer):

1. any shared 13-gram that is not allow-listed → ``contaminated``;
2. a question shorter than 7 words (or under 13 words with only allow-listed 7-grams) found whole and contiguous →
   ``contaminated`` (such items have no usable 7-gram, so Phi-4's ratio cannot see them);
3. otherwise the 7-gram overlap ratio ``|shared 7-grams| / min(|doc 7-grams|, |item 7-grams|)``, maximised over
   items: ``>= contaminated_ratio`` (with at least ``min_shared_7grams`` shared, or all of a shorter item's) →
   ``contaminated``; ``>= partial_ratio`` → ``partial``.

:class:`Decontaminator` is the reusable entry point (the rewrite stage checks its generated texts with it):

>>> dc = Decontaminator("out/decontam/_index")
>>> result = dc.check("Janet's ducks lay 16 eggs per day ...")
>>> result.verdict, [h.item_id for h in result.hits]
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from curate.decontam.index import LONG_N, PREFILTER_BITS, SHORT_N, BenchmarkIndex
from curate.decontam.ngrams import batch_word_hashes, ngram_hashes, word_spans
from curate.storage import local_copy

VERDICTS = ("contaminated", "partial", "fuzzy", "clean")
_SHIFT = np.uint64(64 - PREFILTER_BITS)


@dataclass(frozen=True)
class Thresholds:
    """The 7-gram ratio thresholds (see docs/decontam.md for how the defaults were measured)."""

    contaminated_ratio: float = 0.3
    partial_ratio: float = 0.15
    min_shared_7grams: int = 3


@dataclass
class Hit:
    """One benchmark item found in one text."""

    benchmark: str
    item_id: str
    item: int
    verdict: str
    matches_13: int = 0
    shared_7: int = 0
    ratio_7: float = 0.0
    short_match: bool = False
    spans: list[tuple[int, int]] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class CheckResult:
    """The verdict for one text (the worst over its hits) and the hits, worst first."""

    verdict: str
    hits: list[Hit]

    @property
    def contaminated(self) -> bool:
        return self.verdict == "contaminated"


def _lookup(queries: np.ndarray, prefilter: np.ndarray, keys: np.ndarray):
    """Positions in ``queries`` found in ``keys`` and the matching key indices (prefilter, then binary search)."""
    if not len(queries) or not len(keys):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    top = queries >> _SHIFT
    maybe = np.flatnonzero((prefilter[(top >> np.uint64(3)).astype(np.int64)] >> (top & np.uint64(7))) & 1)
    if not len(maybe):
        return maybe, maybe
    idx = np.searchsorted(keys, queries[maybe])
    idx[idx >= len(keys)] = 0
    ok = keys[idx] == queries[maybe]
    return maybe[ok], idx[ok]


def _expand(key_idx: np.ndarray, offsets: np.ndarray, owners: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR expansion: for each matched key, every unit holding it → (row into key_idx, unit)."""
    starts, ends = offsets[key_idx], offsets[key_idx + 1]
    counts = (ends - starts).astype(np.int64)
    rows = np.repeat(np.arange(len(key_idx)), counts)
    first = np.repeat(starts - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
    return rows, np.asarray(owners[first + np.arange(counts.sum())])


def _new_record() -> dict:
    return {"k13": set(), "k7": set(), "ranges": [], "short": False}


class Decontaminator:
    """Checks texts against a saved index. Picklable: the index opens (memory-mapped) on first use.

    ``check_many`` is the fast path (one set of array operations per batch); ``check`` is ``check_many([text])``.
    """

    def __init__(self, index_dir: str, thresholds: Thresholds | None = None, with_spans: bool = True):
        self.index_dir = str(index_dir)
        self.thresholds = thresholds or Thresholds()
        self.with_spans = with_spans
        self._index: BenchmarkIndex | None = None

    @property
    def index(self) -> BenchmarkIndex:
        if self._index is None:
            self._index = BenchmarkIndex(local_copy(self.index_dir))  # a remote index: its local copy
        return self._index

    def __getstate__(self):
        return {**self.__dict__, "_index": None}

    def check(self, text: str) -> CheckResult:
        """The verdict and hits for ``text`` (spans are character offsets in ``text``)."""
        return self.check_many([text])[0]

    def check_many(self, texts: list[str]) -> list[CheckResult]:
        """One :class:`CheckResult` per text, in order."""
        ix = self.index
        words, first = batch_word_hashes(texts)
        doc_of = np.repeat(np.arange(len(texts)), np.diff(first))
        grams = ngram_hashes(words, (LONG_N, SHORT_N, *ix.short_sizes))
        found: dict[int, dict[int, dict]] = {}
        tables = [(LONG_N, "k13", ix.keys13, ix.off13, ix.units13), (SHORT_N, "k7", ix.keys7, ix.off7, ix.units7)]
        tables += [(n, "short", ix.keys_short, ix.off_short, ix.units_short) for n in ix.short_sizes]
        for n, kind, keys, offsets, owners in tables:
            pos, kidx = _lookup(grams[n], ix.prefilter, keys)
            inside = doc_of[pos] == doc_of[pos + n - 1]  # n-grams across two texts of the batch do not count
            rows, units = _expand(kidx[inside], offsets, owners)
            for u, p, k in zip(units.tolist(), pos[inside][rows].tolist(), kidx[inside][rows].tolist()):
                if kind == "short" and int(ix.unit_words[u]) != n:
                    continue
                d = int(doc_of[p])
                rec = found.setdefault(d, {}).setdefault(u, _new_record())
                if kind == "short":
                    rec["short"] = True
                else:
                    rec[kind].add(k)
                rec["ranges"].append((p - int(first[d]), p - int(first[d]) + n))
        results = [CheckResult("clean", []) for _ in texts]
        for d, units_found in found.items():
            doc7 = len(np.unique(grams[SHORT_N][first[d]:max(first[d], first[d + 1] - SHORT_N + 1)]))
            results[d] = self._decide(texts[d], units_found, doc7)
        return results

    def _unit_verdict(self, rec: dict, unit: int, doc7: int) -> tuple[str, float]:
        t = self.thresholds
        n7 = int(self.index.unit_n7[unit])
        shared = len(rec["k7"])
        ratio = shared / max(1, min(doc7, n7)) if n7 else 0.0
        if rec["k13"] or rec["short"]:
            return "contaminated", ratio
        if ratio >= t.contaminated_ratio and shared >= min(t.min_shared_7grams, n7):
            return "contaminated", ratio
        if ratio >= t.partial_ratio:
            return "partial", ratio
        return "clean", ratio

    def _decide(self, text: str, found: dict[int, dict], doc7: int) -> CheckResult:
        """Per item: the worst verdict over its units, shared counts summed, spans merged."""
        ix = self.index
        per_item: dict[int, Hit] = {}
        ranges: dict[int, list] = {}
        for unit, rec in found.items():
            verdict, ratio = self._unit_verdict(rec, unit, doc7)
            if verdict == "clean":
                continue
            item = int(ix.unit_item[unit])
            meta = ix.items[item]
            hit = per_item.setdefault(item, Hit(meta["benchmark"], meta["item_id"], item, verdict))
            if VERDICTS.index(verdict) < VERDICTS.index(hit.verdict):
                hit.verdict = verdict
            hit.matches_13 += len(rec["k13"])
            hit.shared_7 += len(rec["k7"])
            hit.ratio_7 = max(hit.ratio_7, round(ratio, 4))
            hit.short_match = hit.short_match or rec["short"]
            ranges.setdefault(item, []).extend(rec["ranges"])
        hits = sorted(per_item.values(), key=lambda h: (VERDICTS.index(h.verdict), -h.matches_13, -h.ratio_7))
        if hits and self.with_spans:
            spans = word_spans(text)
            for h in hits:
                h.spans = char_spans(ranges[h.item], spans)
        return CheckResult(hits[0].verdict if hits else "clean", hits)


def char_spans(word_ranges: list[tuple[int, int]], spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge overlapping word ranges [start, end) and turn them into character spans of the original text."""
    merged: list[list[int]] = []
    for s, e in sorted(word_ranges):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    last = len(spans) - 1
    return [(spans[min(s, last)][0], spans[min(e - 1, last)][1]) for s, e in merged if spans]
