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
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from curate.benchmarks import BenchmarkItem
from curate.decontam.allowlist import AllowListSettings, derive_allowlist, unique_pairs
from curate.decontam.ngrams import NORM_VERSION, mix, ngram_hashes, normalize, word_hashes
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
    ukeys, starts = np.unique(pk, return_index=True)
    offsets = np.append(starts, len(pk)).astype(np.int32)
    return ukeys.astype(np.uint64), offsets, pu.astype(np.int32)


def _prefilter(*key_arrays: np.ndarray) -> np.ndarray:
    """A bitmap with bit ``key >> (64 - PREFILTER_BITS)`` set for every key (one-sided: no false negatives)."""
    bits = np.zeros(1 << (PREFILTER_BITS - 3), dtype=np.uint8)
    for keys in key_arrays:
        pos = keys >> np.uint64(64 - PREFILTER_BITS)
        np.bitwise_or.at(bits, (pos >> np.uint64(3)).astype(np.int64), (1 << (pos & np.uint64(7))).astype(np.uint8))
    return bits


def _unit_texts(items: list[BenchmarkItem], settings: IndexSettings):
    """(item index, part, word hashes, numeric-word flags) for every unit worth indexing."""
    for i, item in enumerate(items):
        for part, text, minimum in (("question", item.question, settings.min_question_words),
                                    ("answer", item.answer, settings.min_answer_words)):
            words = word_hashes(text) if text else np.zeros(0, np.uint64)
            if len(words) >= minimum:
                yield i, part, words, np.array([w.isdigit() for w in normalize(text).split()], dtype=bool)


def _informative(grams: np.ndarray, numeric: np.ndarray, n: int) -> np.ndarray:
    """The n-grams that are not made of numbers only ("3 4 5 6 7 ...", "1 0 1 1 1 2": calendars, tables)."""
    counts = np.concatenate(([0], np.cumsum(numeric)))
    return grams[(counts[n:] - counts[:-n]) < n]


def build_arrays(items: list[BenchmarkItem], settings: IndexSettings, allow: AllowListSettings,
                 reference_texts=None) -> tuple[list[Unit], dict[str, np.ndarray]]:
    """Hash every unit and lay the lookup tables out (see the module docstring)."""
    units: list[Unit] = []
    idents: list[int] = []
    whole: dict[int, np.ndarray] = {}  # unit → hash of its whole text, for texts under 13 words
    grams: dict[str, list] = {"13": [], "7": [], "short": []}
    owners: dict[str, list] = {"13": [], "7": [], "short": []}
    for item_idx, part, words, numeric in _unit_texts(items, settings):
        u = len(units)
        sizes = tuple(sorted({min(len(words), LONG_N), min(len(words), SHORT_N)}))
        g = {n: _informative(arr, numeric, n) for n, arr in ngram_hashes(words, (*sizes, LONG_N)).items()}
        units.append(Unit(item_idx, part, len(words)))
        idents.append(_identity(words))
        if len(words) < LONG_N:
            whole[u] = g[len(words)][:1]
        key_arrays = (("short", whole[u]),) if len(words) < SHORT_N else (("13", g[LONG_N]),
                                                                          ("7", np.unique(g[SHORT_N])))
        for key, arr in key_arrays:
            grams[key].append(arr)
            owners[key].append(np.full(len(arr), u, np.int32))
    if not units:
        raise CurateError("no benchmark item is long enough to index; check the benchmark files and field mapping")
    cat = {k: (np.concatenate(v) if v else np.zeros(0, np.uint64)) for k, v in grams.items()}
    own = {k: (np.concatenate(v) if v else np.zeros(0, np.int32)) for k, v in owners.items()}
    allowed = derive_allowlist(cat, own, np.array(idents, dtype=np.uint64), allow, reference_texts)
    keep = {k: ~np.isin(cat[k], allowed[k]) for k in cat}
    n7 = np.bincount(own["7"][keep["7"]], minlength=len(units)).astype(np.int32)
    # a short text whose 7-grams are all common cannot reach a ratio: it is matched whole, like one under 7 words
    extra = [u for u, h in whole.items() if units[u].words >= SHORT_N and n7[u] == 0 and len(h)]
    cat["short"] = np.concatenate([cat["short"][keep["short"]], *[whole[u] for u in extra]])
    own["short"] = np.concatenate([own["short"][keep["short"]], np.array(extra, dtype=np.int32)])
    keep["short"] = np.ones(len(cat["short"]), dtype=bool)
    arrays: dict[str, np.ndarray] = {}
    for key, suffix in (("13", "13"), ("7", "7"), ("short", "_short")):
        arrays[f"keys{suffix}"], arrays[f"off{suffix}"], arrays[f"units{suffix}"] = _csr(cat[key][keep[key]],
                                                                                         own[key][keep[key]])
    arrays["unit_n7"] = n7
    arrays["unit_words"] = np.array([u.words for u in units], dtype=np.int32)
    arrays["unit_item"] = np.array([u.item for u in units], dtype=np.int32)
    arrays["unit_whole"] = np.zeros(len(units), dtype=bool)
    arrays["unit_whole"][np.unique(own["short"])] = True
    arrays["allow13"], arrays["allow7"] = allowed["13"], allowed["7"]
    arrays["prefilter"] = _prefilter(arrays["keys13"], arrays["keys7"], arrays["keys_short"])
    return units, arrays


def _identity(words: np.ndarray) -> int:
    """A hash of a unit's whole word sequence: identical questions in two benchmarks count as one text."""
    return int(np.bitwise_xor.reduce(mix(words + np.arange(1, len(words) + 1, dtype=np.uint64))))


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
    counts: dict[str, int] = {}
    for it in items:
        counts[it.benchmark] = counts.get(it.benchmark, 0) + 1
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
