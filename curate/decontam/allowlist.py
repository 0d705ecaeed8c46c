"""The allow-list: benchmark n-grams too common to be evidence of contamination (Phi-4, App. B.1).

Two sources, both counting *distinct texts* that hold an n-gram:

- the benchmarks themselves: an n-gram held by at least ``min_items`` different item texts is a template
  ("For which of these two scenarios does the main character (who uses I/me/my) do something clearly morally
  wrong...", "Write a python function to find the ..."), not a fingerprint of one item. Identical questions (MATH-500
  inside MATH, GSM8K and its socratic copy) count once.
- a reference corpus the user supplies (general text: web pages, books, train splits): an n-gram found in at least
  ``min_docs`` of its documents is common language (licence boilerplate, stock phrases).

Allow-listed n-grams never count as shared: not for the 13-gram rule, not in the 7-gram ratio's numerator.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from curate.decontam.ngrams import batch_word_hashes, ngram_hashes
from curate.errors import CurateError
from curate.jsonio import open_text


@dataclass
class AllowListSettings:
    """Thresholds of the allow-list (see the module docstring); 0 turns a source off."""

    min_items: int = 5
    min_docs: int = 3

    def describe(self) -> dict:
        return {"min_items": self.min_items, "min_docs": self.min_docs}


def members(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """``values[i] in sorted_set`` for each i, by binary search (``np.isin`` would re-sort the big set per call)."""
    if not len(sorted_set):
        return np.zeros(len(values), dtype=bool)
    idx = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    return sorted_set[idx] == values


def sorted_runs(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For a sorted array: its distinct values and where each run of equal values starts."""
    starts = np.flatnonzero(np.concatenate(([True], a[1:] != a[:-1]))) if len(a) else np.zeros(0, np.int64)
    return a[starts], starts


def unique_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (a, b) pairs, sorted by a then b.

    Sorts by ``a`` alone, then orders by ``b`` only the runs of equal ``a`` (few: most n-grams belong to one item),
    which is several times faster than ``np.lexsort`` on the whole arrays.
    """
    order = np.argsort(a, kind="stable")
    a, b = a[order], b[order]
    tied = np.flatnonzero(a[1:] == a[:-1])
    if len(tied):
        in_run = np.zeros(len(a), dtype=bool)
        in_run[tied] = in_run[tied + 1] = True
        runs = np.flatnonzero(in_run)
        sub = np.lexsort((b[runs], a[runs]))
        b[runs] = b[runs][sub]
    keep = np.ones(len(a), dtype=bool)
    keep[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    return a[keep], b[keep]


def _common_by_items(keys: np.ndarray, idents: np.ndarray, min_items: int) -> np.ndarray:
    """Keys held by at least ``min_items`` distinct unit identities."""
    if min_items <= 0 or not len(keys):
        return np.zeros(0, np.uint64)
    pair_keys, _ = unique_pairs(keys, idents)
    ukeys, starts = sorted_runs(pair_keys)
    counts = np.diff(np.append(starts, len(pair_keys)))
    return ukeys[counts >= min_items].astype(np.uint64)


def _common_in_reference(candidates: dict[str, np.ndarray], sizes: dict[str, tuple[int, ...]],
                         texts: Iterable[str], min_docs: int, batch: int = 64) -> dict[str, np.ndarray]:
    """Candidate keys found in at least ``min_docs`` reference documents (each document counts once); the
    documents are hashed a batch at a time, and only n-grams that are candidates are kept."""
    sorted_keys = {k: np.unique(v) for k, v in candidates.items()}
    all_sizes = tuple(sorted({n for table in sizes.values() for n in table}))
    found: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {k: [] for k in candidates}
    docs_before = 0
    for chunk in _chunks(texts, batch):
        words, first = batch_word_hashes(chunk)
        doc_of = np.repeat(np.arange(len(chunk)), np.diff(first)) + docs_before
        grams = ngram_hashes(words, all_sizes)
        for key, table in sorted_keys.items():
            for n in sizes[key]:
                pos = np.flatnonzero(members(grams[n], table))
                pos = pos[doc_of[pos] == doc_of[pos + n - 1]]
                found[key].append(unique_pairs(grams[n][pos], doc_of[pos]))
        docs_before += len(chunk)
    out = {}
    for key, pairs in found.items():
        ukeys = np.zeros(0, np.uint64)
        if pairs:
            keys, _ = unique_pairs(np.concatenate([k for k, _ in pairs]), np.concatenate([d for _, d in pairs]))
            ukeys, starts = sorted_runs(keys)
            ukeys = ukeys[np.diff(np.append(starts, len(keys))) >= min_docs]
        out[key] = ukeys.astype(np.uint64)
    return out


def _chunks(texts: Iterable[str], size: int) -> Iterator[list[str]]:
    chunk: list[str] = []
    for text in texts:
        chunk.append(text)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def derive_allowlist(grams: dict[str, np.ndarray], owners: dict[str, np.ndarray], unit_ident: np.ndarray,
                     settings: AllowListSettings, reference_texts: Iterable[str] | None = None,
                     short_sizes: tuple[int, ...] = ()) -> dict[str, np.ndarray]:
    """The allow-listed keys per table (``"13"``, ``"7"``, ``"short"``: whole stems of ``short_sizes`` words),
    sorted and unique."""
    out = {k: _common_by_items(grams[k], unit_ident[owners[k]], settings.min_items) for k in grams}
    if reference_texts is not None and settings.min_docs > 0:
        ref = _common_in_reference(grams, {"13": (13,), "7": (7,), "short": short_sizes}, reference_texts,
                                   settings.min_docs)
        out = {k: np.union1d(out[k], ref[k]).astype(np.uint64) for k in out}
    return out


def read_reference_corpus(path: str | Path, text_key: str = "text") -> Iterator[str]:
    """Documents of a reference corpus: each ``.txt[.gz]`` file is one document, each JSONL line (``.jsonl[.gz]``)
    one."""
    path = Path(path)
    if not path.exists():
        raise CurateError(f"allow-list reference corpus not found: {path}")
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for file in files:
        name = file.name.removesuffix(".gz")
        if name.endswith(".txt"):  # plain or gzipped
            with open_text(file) as fh:
                yield fh.read()
        elif name.endswith(".jsonl"):
            with open_text(file) as fh:
                for line in fh:
                    if line.strip():
                        text = json.loads(line).get(text_key)
                        if isinstance(text, str):
                            yield text
