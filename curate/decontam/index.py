"""The benchmark index: built once from benchmark items, saved as numpy arrays, memory-mapped by workers.

Each item gives *units* and *parts* (:mod:`curate.decontam.units`). The index stores

- every unit's 13-grams and 7-grams (hashed, see :mod:`curate.decontam.ngrams`) in sorted key arrays with CSR
  lists of the units holding each key and the key's position in that unit (``keys13/off13/units13/pos13``,
  ``keys7/off7/units7/pos7``); n-grams made only of numbers ("3 4 5 6 ...": calendars, tables) are never indexed;
- per unit: its item, kind, length and the number of its distinct 7-grams that are not allow-listed
  (``unit_n7``, the denominator of Phi-4's overlap ratio);
- every stem under 13 words hashed whole (``keys_short``) and by its first words (``keys_head``). Such a stem
  decides alone (``unit_alone``) only when it is distinctive (``unit_distinctive``: it points at few items and is
  no stock phrase, see :func:`_stem_flags`) and, for a multiple-choice item, has at least 7 words; otherwise it
  is an anchor for the item's parts;
- per item, its parts (``part_off``, ``part_key``, ``part_len``, ``part_answer``) and whether each is rare
  (``part_rare``: held by fewer than ``allowlist_min_items`` items, unlike "None of the above" or "True"), and the
  words of its stem when the stem holds numbers (``num_off``, ``num_words``, ``num_digits``);
- a bitmap over the top bits of every key (``prefilter``) that lets the scan skip almost every document n-gram
  with one array lookup.

N-grams on the allow-list (:mod:`curate.decontam.allowlist`) are left out of the lookup tables (and saved apart
for the report). Files: ``meta.json``, ``items.json`` and one ``.npy`` per array.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

import numpy as np

from curate.benchmarks import BenchmarkItem
from curate.decontam.allowlist import AllowListSettings, derive_allowlist, sorted_runs, unique_pairs
from curate.decontam.ngrams import NORM_VERSION
from curate.decontam.units import LONG_N, SHORT_N, UNIT_KINDS, HashedItems, IndexSettings, hash_items, head_size
from curate.errors import CurateError

PREFILTER_BITS = 27
META_NAME = "meta.json"
INDEX_VERSION = 2  # 2: stems, options, answers and solutions kept apart (units and parts)
_ARRAYS = ("keys13", "off13", "units13", "pos13", "keys7", "off7", "units7", "pos7", "keys_short", "off_short",
           "units_short", "keys_head",
           "unit_n7", "unit_words", "unit_item", "unit_kind", "unit_alone", "unit_distinctive", "part_off", "part_key",
           "part_len", "part_answer", "part_rare", "num_off", "num_words", "num_digits", "allow13", "allow7",
           "prefilter")


def _csr(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct keys of a sorted key array and the offsets of each one's run (CSR rows)."""
    ukeys, starts = sorted_runs(keys)
    return ukeys.astype(np.uint64), np.append(starts, len(keys)).astype(np.int32)


def _prefilter(*key_arrays: np.ndarray) -> np.ndarray:
    """A bitmap with bit ``key >> (64 - PREFILTER_BITS)`` set for every key (one-sided: no false negatives)."""
    bits = np.zeros(1 << (PREFILTER_BITS - 3), dtype=np.uint8)
    for keys in key_arrays:
        pos = keys >> np.uint64(64 - PREFILTER_BITS)
        np.bitwise_or.at(bits, (pos >> np.uint64(3)).astype(np.int64), (1 << (pos & np.uint64(7))).astype(np.uint8))
    return bits


def _holders(keys: np.ndarray, idents: np.ndarray) -> np.ndarray:
    """For each key, how many distinct identities hold it (identical items count once)."""
    pk, _ = unique_pairs(keys, idents)
    ukeys, starts = sorted_runs(pk)
    counts = np.diff(np.append(starts, len(pk)))
    return counts[np.searchsorted(ukeys, keys)]


def _stem_flags(h: HashedItems, n7: np.ndarray, common_stems: np.ndarray,
                allow: AllowListSettings) -> tuple[np.ndarray, np.ndarray]:
    """Per unit: does it decide alone, and is it distinctive (a stem that points at few items)?

    A stem under 13 words is distinctive when fewer than ``allow.min_items`` items have it or have it inside their
    stem, the reference corpus does not hold it often, and, for a multiple-choice stem, it is not made only of quiz
    vocabulary and not all of its 7-grams are common phrasing. It decides alone when it is distinctive and, for a
    multiple-choice stem, has at least 7 words. Every other unit decides alone.
    """
    whole_units, whole_keys = h.whole
    words, has_options = h.unit_words, h.item_has_options[h.unit_item]
    is_stem = h.unit_kind == UNIT_KINDS.index("stem")
    common = max(allow.min_items, 2)
    distinctive = np.zeros(len(words), bool)
    distinctive[whole_units] = ((_holders(whole_keys, h.item_ident[h.unit_item[whole_units]]) < common)
                                & (h.whole_contained < common) & ~(h.whole_stock & has_options[whole_units])
                                & ~np.isin(whole_keys, common_stems))
    distinctive &= ~(has_options & (words >= SHORT_N) & (n7 == 0))
    alone = ~is_stem | (words >= LONG_N) | (distinctive & ((words >= SHORT_N) | ~has_options))
    return alone, distinctive | (is_stem & (words >= LONG_N))


def build_arrays(items: list[BenchmarkItem], settings: IndexSettings, allow: AllowListSettings,
                 reference_texts=None) -> tuple[HashedItems, dict[str, np.ndarray]]:
    """Hash every unit and part and lay the lookup tables out (see the module docstring)."""
    h = hash_items(items, settings, max(allow.min_items, 2))
    whole_units, whole_keys = h.whole
    cat = {"13": h.grams[LONG_N][0], "7": h.grams[SHORT_N][0], "short": whole_keys}
    own = {"13": h.grams[LONG_N][1], "7": h.grams[SHORT_N][1], "short": whole_units}
    allowed = derive_allowlist(cat, own, h.item_ident[h.unit_item], allow, reference_texts,
                               tuple(sorted(set(h.unit_words[whole_units].tolist()))))
    keep = {k: ~np.isin(cat[k], allowed[k]) for k in ("13", "7")}
    arrays: dict[str, np.ndarray] = {}
    for key in ("13", "7"):
        arrays[f"keys{key}"], arrays[f"off{key}"] = _csr(cat[key][keep[key]])
        arrays[f"units{key}"] = own[key][keep[key]]
        arrays[f"pos{key}"] = h.grams[int(key)][2][keep[key]].astype(np.int32)
    pairs_keys, pairs_units = unique_pairs(whole_keys, whole_units)
    arrays["keys_short"], arrays["off_short"] = _csr(pairs_keys)
    arrays["units_short"] = pairs_units.astype(np.int32)
    arrays["keys_head"] = np.unique(h.whole_heads)
    n_units = len(h.unit_item)
    n7 = arrays["unit_n7"] = np.bincount(own["7"][keep["7"]], minlength=n_units).astype(np.int32)
    arrays["unit_alone"], arrays["unit_distinctive"] = _stem_flags(h, n7, allowed["short"], allow)
    arrays["unit_words"], arrays["unit_item"], arrays["unit_kind"] = h.unit_words, h.unit_item, h.unit_kind
    arrays["part_off"], arrays["part_key"], arrays["part_len"] = h.part_off, h.part_key, h.part_len
    arrays["part_answer"] = h.part_answer
    arrays["num_off"], arrays["num_words"], arrays["num_digits"] = h.numbered
    part_items = np.repeat(np.arange(len(items)), np.diff(h.part_off))
    held = _holders(h.part_key, h.item_ident[part_items]) if len(h.part_key) else np.zeros(0, np.int64)
    arrays["part_rare"] = (held < allow.min_items) if allow.min_items > 0 else np.ones(len(held), bool)
    arrays["allow13"], arrays["allow7"] = allowed["13"], allowed["7"]
    arrays["prefilter"] = _prefilter(arrays["keys13"], arrays["keys7"], arrays["keys_head"])
    return h, arrays


def build_index(items: list[BenchmarkItem], folder: str | Path, settings: IndexSettings | None = None,
                allow: AllowListSettings | None = None, reference_texts=None) -> Path:
    """Build the index of ``items`` and save it to ``folder`` (created); returns the folder."""
    settings, allow = settings or IndexSettings(), allow or AllowListSettings()
    t0 = time.perf_counter()
    hashed, arrays = build_arrays(items, settings, allow, reference_texts)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, arr in arrays.items():
        np.save(folder / f"{name}.npy", arr)
    records = [{"benchmark": it.benchmark, "item_id": it.item_id, "question": it.question, "options": it.options,
                "answer": it.answer, "solution": it.solution} for it in items]
    (folder / "items.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    counts = dict(Counter(it.benchmark for it in items))
    meta = {"norm_version": NORM_VERSION, "index_version": INDEX_VERSION, "long_n": LONG_N, "short_n": SHORT_N,
            "benchmarks": counts, "settings": settings.__dict__, "allowlist": allow.describe(),
            "units": dict(Counter(UNIT_KINDS[k] for k in hashed.unit_kind.tolist())),
            "allowlisted": {"13": int(len(arrays["allow13"])), "7": int(len(arrays["allow7"]))},
            "build_seconds": round(time.perf_counter() - t0, 3)}
    write_meta(folder, meta)
    return folder


def has_meta(folder: str | Path) -> bool:
    """Whether ``folder`` holds a decontamination index (complete or not: see ``fingerprint`` in its meta)."""
    return (Path(folder) / META_NAME).is_file()


def read_meta(folder: str | Path) -> dict:
    """The ``meta.json`` of the index in ``folder``: versions, item counts per benchmark, settings, fingerprint."""
    path = Path(folder) / META_NAME
    if not path.is_file():
        raise CurateError(f"{folder} is not a decontamination index (no {META_NAME}); build one with "
                          "`curate decontam index --benchmark NAME=PATH -o DIR`")
    return json.loads(path.read_text())


def write_meta(folder: str | Path, meta: dict) -> None:
    (Path(folder) / META_NAME).write_text(json.dumps(meta, indent=2))


class BenchmarkIndex:
    """A saved index opened for lookups; arrays are memory-mapped (read-only), items load on first use."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.meta = read_meta(self.folder)
        built = (self.meta.get("norm_version"), self.meta.get("index_version", 1))
        if built != (NORM_VERSION, INDEX_VERSION):
            raise CurateError(f"index {self.folder} was built with normalization v{built[0]} and index format "
                              f"v{built[1]}; this version uses v{NORM_VERSION} and v{INDEX_VERSION}: rebuild it")
        for name in _ARRAYS:
            # a plain ndarray view of the memory map: indexing a np.memmap subclass is several times slower
            setattr(self, name, np.asarray(np.load(self.folder / f"{name}.npy", mmap_mode="r")))
        self.short_sizes = tuple(sorted({int(w) for w in self.unit_words[self.units_short]}))
        self.head_n = head_size(IndexSettings(**self.meta["settings"]))
        self._items: list[dict] | None = None

    @property
    def items(self) -> list[dict]:
        """The indexed items (``benchmark``, ``item_id``, ``question``, ``options``, ``answer``, ``solution``), loaded
        on first use."""
        if self._items is None:
            self._items = json.loads((self.folder / "items.json").read_text(encoding="utf-8"))
        return self._items

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.folder.iterdir() if p.is_file())
