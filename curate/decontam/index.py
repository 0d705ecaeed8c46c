"""The benchmark n-gram index: built once from benchmark items, saved as numpy arrays, memory-mapped by workers.

Each item contributes up to two *units*: its question (always) and its answer (when it has at least
``min_answer_words`` words: a bare "42" or "B" is no evidence of contamination). For every unit the index stores

- its 13-grams and 7-grams (hashed, see :mod:`curate.decontam.ngrams`) in sorted key arrays with CSR lists of the
  units holding each key (``keys13/off13/units13``, ``keys7/off7/units7``);
- the number of its distinct 7-grams that are not allow-listed (``unit_n7``), the denominator of Phi-4's overlap
  ratio (counting common 7-grams there would keep a short item from ever reaching the threshold);
- for questions shorter than 7 words (which have no 7-gram at all), and for questions under 13 words whose
  7-grams are all allow-listed, the hash of the whole question (``keys_short``, flagged in ``unit_whole``), matched
  as one contiguous n-gram of its own length;
- n-grams made only of numbers ("3 4 5 6 ...": calendars, tables) are never indexed;
- a bitmap over the top bits of every key (``prefilter``) that lets the scan skip almost every document n-gram
  with one array lookup.

N-grams on the allow-list (:mod:`curate.decontam.allowlist`) are left out of the lookup tables (and saved apart
for the report). Files: ``meta.json``, ``items.json`` and one ``.npy`` per array.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from curate.benchmarks import BenchmarkItem
from curate.decontam.allowlist import AllowListSettings, derive_allowlist, sorted_runs, unique_pairs
from curate.decontam.ngrams import NORM_VERSION, batch_words_numeric, mix, ngram_hashes
from curate.errors import CurateError

LONG_N = 13
SHORT_N = 7
PREFILTER_BITS = 27
_ARRAYS = ("keys13", "off13", "units13", "keys7", "off7", "units7", "keys_short", "off_short", "units_short",
           "unit_n7", "unit_words", "unit_item", "unit_whole", "allow13", "allow7", "prefilter")


@dataclass
class Unit:
    """One indexed text: the question or the answer of item ``item``."""

    item: int
    part: str
    words: int


@dataclass
class IndexSettings:
    """What to index: the smallest question and answer worth matching."""

    min_question_words: int = 3
    min_answer_words: int = 13


def _csr(keys: np.ndarray, units: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unique (key, unit) pairs as sorted unique keys, offsets and the units of each key."""
    pk, pu = unique_pairs(keys.astype(np.uint64), units.astype(np.int32))
    ukeys, starts = sorted_runs(pk)
    offsets = np.append(starts, len(pk)).astype(np.int32)
    return ukeys.astype(np.uint64), offsets, pu.astype(np.int32)


def _prefilter(*key_arrays: np.ndarray) -> np.ndarray:
    """A bitmap with bit ``key >> (64 - PREFILTER_BITS)`` set for every key (one-sided: no false negatives)."""
    bits = np.zeros(1 << (PREFILTER_BITS - 3), dtype=np.uint8)
    for keys in key_arrays:
        pos = keys >> np.uint64(64 - PREFILTER_BITS)
        np.bitwise_or.at(bits, (pos >> np.uint64(3)).astype(np.int64), (1 << (pos & np.uint64(7))).astype(np.uint8))
    return bits


def _hash_units(items: list[BenchmarkItem], settings: IndexSettings):
    """Every unit worth indexing, hashed in one batch.

    Returns (units, n-gram keys and their units by table ``"13"``/``"7"``, the whole-text hash of each unit under
    13 words as (units, keys), one identity hash per unit). n-grams crossing two texts or made only of numbers
    ("3 4 5 6 7 ...", "1 0 1 1 1 2": calendars, tables) are left out.
    """
    cands = [(i, part, text) for i, it in enumerate(items) for part, text in (("question", it.question),
                                                                             ("answer", it.answer))]
    hashes, first, numeric = batch_words_numeric([text for _, _, text in cands])
    lengths = np.diff(first)
    minimum = np.array([settings.min_question_words if part == "question" else settings.min_answer_words
                        for _, part, _ in cands])
    kept = np.flatnonzero((lengths >= minimum) & (lengths > 0))
    if not len(kept):
        raise CurateError("no benchmark item is long enough to index; check the benchmark files and field mapping")
    unit_of_cand = np.full(len(cands), -1, dtype=np.int64)
    unit_of_cand[kept] = np.arange(len(kept))
    owner = np.repeat(unit_of_cand, lengths)
    num = np.concatenate(([0], np.cumsum(numeric)))
    words, starts = lengths[kept], first[kept]
    sizes = tuple(sorted({LONG_N, SHORT_N, *(int(n) for n in words[words < LONG_N])}))
    grams = ngram_hashes(hashes, sizes)

    def inside(n: int) -> np.ndarray:
        pos = np.arange(len(grams[n]))
        return pos[(owner[pos] >= 0) & (owner[pos] == owner[pos + n - 1]) & (num[pos + n] - num[pos] < n)]

    tables = {}
    for n in (LONG_N, SHORT_N):
        pos = inside(n)
        tables[str(n)] = unique_pairs(grams[n][pos], owner[pos].astype(np.int32))
    whole_units, whole_keys = [], []
    for n in sorted(set(words[words < LONG_N].tolist())):
        units_n = np.flatnonzero(words == n)
        pos = starts[units_n]
        ok = num[pos + n] - num[pos] < n
        whole_units.append(units_n[ok].astype(np.int32))
        whole_keys.append(grams[n][pos[ok]])
    whole = (np.concatenate(whole_units) if whole_units else np.zeros(0, np.int32),
             np.concatenate(whole_keys) if whole_keys else np.zeros(0, np.uint64))
    local = np.arange(len(hashes)) - np.repeat(first[:-1], lengths) + 1
    idents = np.bitwise_xor.reduceat(mix(hashes + local.astype(np.uint64)), first[:-1][lengths > 0])
    idents = idents[np.searchsorted(np.flatnonzero(lengths > 0), kept)]
    units = [Unit(cands[c][0], cands[c][1], int(lengths[c])) for c in kept.tolist()]
    return units, tables, whole, idents


def build_arrays(items: list[BenchmarkItem], settings: IndexSettings, allow: AllowListSettings,
                 reference_texts=None) -> tuple[list[Unit], dict[str, np.ndarray]]:
    """Hash every unit and lay the lookup tables out (see the module docstring)."""
    units, tables, (whole_units, whole_keys), idents = _hash_units(items, settings)
    words = np.array([u.words for u in units], dtype=np.int32)
    short = words[whole_units] < SHORT_N
    cat = {"13": tables["13"][0], "7": tables["7"][0], "short": whole_keys[short]}
    own = {"13": tables["13"][1], "7": tables["7"][1], "short": whole_units[short]}
    allowed = derive_allowlist(cat, own, idents.astype(np.uint64), allow, reference_texts)
    keep = {k: ~np.isin(cat[k], allowed[k]) for k in cat}
    n7 = np.bincount(own["7"][keep["7"]], minlength=len(units)).astype(np.int32)
    # a short text whose 7-grams are all common cannot reach a ratio: it is matched whole, like one under 7 words
    extra = ~short & (n7[whole_units] == 0)
    cat["short"] = np.concatenate([cat["short"][keep["short"]], whole_keys[extra]])
    own["short"] = np.concatenate([own["short"][keep["short"]], whole_units[extra]])
    keep["short"] = np.ones(len(cat["short"]), dtype=bool)
    arrays: dict[str, np.ndarray] = {}
    for key, suffix in (("13", "13"), ("7", "7"), ("short", "_short")):
        arrays[f"keys{suffix}"], arrays[f"off{suffix}"], arrays[f"units{suffix}"] = _csr(cat[key][keep[key]],
                                                                                         own[key][keep[key]])
    arrays["unit_n7"] = n7
    arrays["unit_words"] = words
    arrays["unit_item"] = np.array([u.item for u in units], dtype=np.int32)
    arrays["unit_whole"] = np.zeros(len(units), dtype=bool)
    arrays["unit_whole"][np.unique(own["short"])] = True
    arrays["allow13"], arrays["allow7"] = allowed["13"], allowed["7"]
    arrays["prefilter"] = _prefilter(arrays["keys13"], arrays["keys7"], arrays["keys_short"])
    return units, arrays


def build_index(items: list[BenchmarkItem], folder: str | Path, settings: IndexSettings | None = None,
                allow: AllowListSettings | None = None, reference_texts=None) -> Path:
    """Build the index of ``items`` and save it to ``folder`` (created); returns the folder."""
    settings, allow = settings or IndexSettings(), allow or AllowListSettings()
    t0 = time.perf_counter()
    units, arrays = build_arrays(items, settings, allow, reference_texts)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, arr in arrays.items():
        np.save(folder / f"{name}.npy", arr)
    records = [{"benchmark": it.benchmark, "item_id": it.item_id, "question": it.question, "answer": it.answer}
               for it in items]
    (folder / "items.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    counts = dict(Counter(it.benchmark for it in items))
    meta = {"norm_version": NORM_VERSION, "long_n": LONG_N, "short_n": SHORT_N, "benchmarks": counts,
            "settings": settings.__dict__, "allowlist": allow.describe(), "units": len(units),
            "allowlisted": {"13": int(len(arrays["allow13"])), "7": int(len(arrays["allow7"]))},
            "build_seconds": round(time.perf_counter() - t0, 3)}
    (folder / "meta.json").write_text(json.dumps(meta, indent=2))
    return folder


class BenchmarkIndex:
    """A saved index opened for lookups; arrays are memory-mapped (read-only), items load on first use."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        meta_path = self.folder / "meta.json"
        if not meta_path.is_file():
            raise CurateError(f"{self.folder} is not a decontamination index (no meta.json); build one with "
                              "`curate decontam index --benchmark NAME=PATH -o DIR`")
        self.meta = json.loads(meta_path.read_text())
        if self.meta.get("norm_version") != NORM_VERSION:
            raise CurateError(f"index {self.folder} was built with normalization v{self.meta.get('norm_version')}, "
                              f"this version uses v{NORM_VERSION}; rebuild it")
        for name in _ARRAYS:
            # a plain ndarray view of the memory map: indexing a np.memmap subclass is several times slower
            setattr(self, name, np.asarray(np.load(self.folder / f"{name}.npy", mmap_mode="r")))
        self.short_sizes = tuple(sorted({int(w) for w in self.unit_words[self.unit_whole]}))
        self._items: list[dict] | None = None

    @property
    def items(self) -> list[dict]:
        """The indexed items (``benchmark``, ``item_id``, ``question``, ``answer``), loaded on first use."""
        if self._items is None:
            self._items = json.loads((self.folder / "items.json").read_text(encoding="utf-8"))
        return self._items

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.folder.iterdir() if p.is_file())
