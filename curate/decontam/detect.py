"""Phi-4's hybrid decision, applied to the units and parts of each item, against a saved :class:`BenchmarkIndex`.

For each benchmark item (its units and parts, see :mod:`curate.decontam.units`), the worst verdict of its units:

1. a shared 13-gram of a unit that is not allow-listed → ``contaminated`` (Phi-4's rule). A worked solution needs
   its shared 13-grams to cover 26 of its words (or all of it): one stock sentence is flagged ``partial``;
2. a stem under 13 words found whole and contiguous → ``contaminated`` when it decides alone; otherwise it is an
   anchor: the answer's text (``stem+answer``) or two of the item's options (``item``), in any layout and order,
   within a few words of it → ``contaminated`` (only rare parts count beside a stem many items share);
3. the 7-gram overlap ratio ``|shared 7-grams| / min(|doc 7-grams|, |unit 7-grams|)`` of a unit that decides
   alone ``>= contaminated_ratio``, with at least ``min_shared_7grams`` shared (or all of a shorter unit's)
   covering 13 of the unit's words → ``contaminated``; ``>= partial_ratio`` (or a 13-gram short of rule 1) →
   ``partial``.

A stem holding numbers matched by rules 1 or 3 next to *other* numbers in the same template is another problem:
``partial`` (:func:`curate.decontam.evidence.other_numbers`).

A hit records the unit that decided it (``stem``, ``stem+answer``, ``item``, ``option``, ``answer``, ``solution``).
:class:`Decontaminator` is the reusable entry point (the rewrite stage checks its generated texts with it):

>>> dc = Decontaminator("out/decontam/_index")
>>> result = dc.check("Janet's ducks lay 16 eggs per day ...")
>>> result.verdict, [(h.item_id, h.unit) for h in result.hits]
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from curate.decontam.evidence import Doc, find_parts, other_numbers
from curate.decontam.index import PREFILTER_BITS, BenchmarkIndex
from curate.decontam.ngrams import batch_word_hashes, grown_hashes, ngram_hashes, word_spans
from curate.decontam.units import LONG_N, SHORT_N, UNIT_KINDS

VERDICTS = ("contaminated", "partial", "fuzzy", "clean")
UNIT_ORDER = ("stem", "stem+answer", "item", "option", "answer", "solution")  # reported first when several match
_SHIFT = np.uint64(64 - PREFILTER_BITS)


@dataclass(frozen=True)
class Thresholds:
    """The 7-gram ratio thresholds (see docs/decontam.md for how the defaults were measured)."""

    contaminated_ratio: float = 0.3
    partial_ratio: float = 0.15
    min_shared_7grams: int = 3


@dataclass
class Hit:
    """One benchmark item found in one text; ``unit`` is the kind of the match that decided the verdict."""

    benchmark: str
    item_id: str
    item: int
    verdict: str
    unit: str = ""
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


def _expand(key_idx: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR expansion: for each matched key, every row of its run → (index into key_idx, CSR row)."""
    starts, ends = offsets[key_idx], offsets[key_idx + 1]
    counts = (ends - starts).astype(np.int64)
    rows = np.repeat(np.arange(len(key_idx)), counts)
    first = np.repeat(starts - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
    return rows, first + np.arange(counts.sum())


def _whole_stems(ix: BenchmarkIndex, words: np.ndarray, heads: np.ndarray, doc_of: np.ndarray):
    """(n, positions, key indices) of the whole stems under 13 words in a batch: their first words are looked up at
    every position, then the stems are hashed whole, one length after the other, only where those matched."""
    pos, _ = _lookup(heads, ix.prefilter, ix.keys_head)
    for n, p, hashes in grown_hashes(words, pos, ix.short_sizes):
        p_ok = doc_of[p] == doc_of[p + n - 1]
        idx = np.minimum(np.searchsorted(ix.keys_short, hashes[p_ok]), len(ix.keys_short) - 1)
        ok = ix.keys_short[idx] == hashes[p_ok]
        yield n, p[p_ok][ok], idx[ok]


def _new_record() -> dict:
    return {"k13": {}, "k7": {}, "ranges": [], "whole": []}


def _covered(matches, n: int) -> int:
    """How many of their unit's words the n-grams of ``matches`` ((unit position, document position) pairs) cover."""
    total, end = 0, -1
    for s in sorted(q for q, _ in matches):
        total += s + n - max(s, end)
        end = s + n
    return total


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
            self._index = BenchmarkIndex(self.index_dir)
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
        grams = ngram_hashes(words, tuple({LONG_N, SHORT_N, ix.head_n}))
        tables = [("k13", LONG_N, ix.keys13, ix.off13, ix.units13), ("k7", SHORT_N, ix.keys7, ix.off7, ix.units7)]
        found: dict[int, dict[int, dict]] = {}
        for kind, n, keys, offsets, owners in tables:
            pos, kidx = _lookup(grams[n], ix.prefilter, keys)
            inside = doc_of[pos] == doc_of[pos + n - 1]  # n-grams across two texts of the batch do not count
            self._record(found, kind, n, pos[inside], kidx[inside], offsets, owners, doc_of, first)
        for n, pos, kidx in _whole_stems(ix, words, grams[ix.head_n], doc_of):
            self._record(found, "whole", n, pos, kidx, ix.off_short, ix.units_short, doc_of, first)
        results = [CheckResult("clean", []) for _ in texts]
        for d, units_found in found.items():
            doc7 = len(np.unique(grams[SHORT_N][first[d]:max(first[d], first[d + 1] - SHORT_N + 1)]))
            results[d] = self._decide(Doc(texts[d], words[first[d]:first[d + 1]], doc7), units_found)
        return results

    def _record(self, found: dict, kind: str, n: int, pos, kidx, offsets, owners, doc_of, first) -> None:
        """Add matches of one table to ``found[doc][unit]``: 13-grams and 7-grams by key (with the 7-gram's position
        in its unit), whole stems by their start in the document, and the document words each covers."""
        rows, csr = _expand(kidx, offsets)
        units = owners[csr].tolist()
        in_unit = {"k13": self.index.pos13, "k7": self.index.pos7}.get(kind)
        unit_pos = in_unit[csr].tolist() if in_unit is not None else units
        for u, p, k, up in zip(units, pos[rows].tolist(), kidx[rows].tolist(), unit_pos):
            if kind == "whole" and int(self.index.unit_words[u]) != n:
                continue
            d = int(doc_of[p])
            rec = found.setdefault(d, {}).setdefault(u, _new_record())
            at = p - int(first[d])
            if kind == "whole":
                rec["whole"].append(at)
                continue
            rec[kind].setdefault(k, (up, at))  # where the n-gram first occurs in its unit and in the document
            rec["ranges"].append((at, at + n))

    def _unit_verdict(self, rec: dict, unit: int, doc: Doc) -> tuple[str, str, float]:
        """(verdict, unit kind, 7-gram ratio) of one unit's matches; adds the ranges that show a whole match."""
        ix, t = self.index, self.thresholds
        kind = UNIT_KINDS[int(ix.unit_kind[unit])]
        if not ix.unit_alone[unit]:  # an anchor: only its item's parts beside it can make it evidence
            composite = find_parts(ix, unit, rec["whole"], doc.words) if rec["whole"] else None
            if composite is None:
                return "clean", kind, 0.0
            rec["ranges"] = composite[1]
            return "contaminated", composite[0], 0.0
        n7, words = int(ix.unit_n7[unit]), int(ix.unit_words[unit])
        shared = len(rec["k7"])
        ratio = shared / max(1, min(doc.n7, n7)) if n7 else 0.0
        rec["ranges"] += [(s, s + words) for s in rec["whole"]]
        if rec["whole"]:
            return "contaminated", kind, ratio
        # a worked solution shares stock sentences with others: it needs two 13-grams' worth of its words (or all)
        exact = rec["k13"] and (kind != "solution" or _covered(rec["k13"].values(), LONG_N) >= min(2 * LONG_N, words))
        close = (ratio >= t.contaminated_ratio and shared >= min(t.min_shared_7grams, n7)
                 and _covered(rec["k7"].values(), SHORT_N) >= LONG_N)  # a 13-gram's worth of the unit's words
        if exact or close:
            n, matches = (LONG_N, rec["k13"]) if exact else (SHORT_N, rec["k7"])
            other = kind == "stem" and other_numbers(ix, unit, list(matches.values()), n, doc)
            return ("partial" if other else "contaminated"), kind, ratio
        if ratio >= t.partial_ratio or rec["k13"]:  # a shared 13-gram short of a copy is still flagged
            return "partial", kind, ratio
        return "clean", kind, ratio

    def _decide(self, doc: Doc, found: dict[int, dict]) -> CheckResult:
        """Per item: the worst verdict over its units (and the unit that gave it), counts summed, spans merged."""
        ix = self.index
        per_item: dict[int, Hit] = {}
        ranges: dict[int, list] = {}
        for unit, rec in found.items():
            verdict, kind, ratio = self._unit_verdict(rec, unit, doc)
            if verdict == "clean":
                continue
            item = int(ix.unit_item[unit])
            meta = ix.items[item]
            hit = per_item.setdefault(item, Hit(meta["benchmark"], meta["item_id"], item, verdict, kind))
            if (VERDICTS.index(verdict), UNIT_ORDER.index(kind)) < (VERDICTS.index(hit.verdict),
                                                                    UNIT_ORDER.index(hit.unit)):
                hit.verdict, hit.unit = verdict, kind
            hit.matches_13 += len(rec["k13"])
            hit.shared_7 += len(rec["k7"])
            hit.ratio_7 = max(hit.ratio_7, round(ratio, 4))
            hit.short_match = hit.short_match or bool(rec["whole"])
            ranges.setdefault(item, []).extend(rec["ranges"])
        hits = sorted(per_item.values(), key=lambda h: (VERDICTS.index(h.verdict), -h.matches_13, -h.ratio_7))
        if hits and self.with_spans:
            spans = word_spans(doc.text)
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
