"""Dedup step 2 of 4: find documents that share a band hash, and keep the pairs that really are duplicates.

Task ``t`` of ``T`` handles the bands ``t, t+T, ...`` of the list ``[exact, 000, 001, ...]``. For one band it
merges the sorted band files of every signature task one hash range at a time (at most ``max_bucket_records``
records in memory), sorts each range by (hash, document key) and, inside every run of equal hashes, pairs each
document with the run's first one and with its predecessor. The document key depends only on the input file
and the position in it, so the pairs (and all that follows) are the same whatever the number of tasks.

With ``verify`` every new candidate pair is checked by the exact Jaccard similarity of the two documents'
shingle sets; pairs from the ``exact`` band need no check.
"""

from __future__ import annotations

from typing import BinaryIO

import numpy as np
from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from curate.dedup.layout import BAND_DTYPE, DOC_DTYPE, EXACT_BAND, PAIR_DTYPE, WorkDir, band_names, global_id

_U64_SPAN = float(2**64)


class DedupBuckets(PipelineStep):
    """Writes ``pairs/<task>.bin``: the duplicate pairs found in this task's bands."""

    name = "🪣 dedup buckets"
    type = "🫂 - DEDUP"

    def __init__(self, work_dir: str, bands: int, threshold: float, verify: bool, max_records: int,
                 local_dir: str | None = None):
        super().__init__()
        self.work_dir = str(work_dir)
        self.local_dir = local_dir
        self.bands = bands
        self.threshold = threshold
        self.verify = verify
        self.max_records = max_records

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> None:
        """Find, check and write the pairs of bands ``rank::world_size``."""
        work = WorkDir(self.work_dir, self.local_dir)
        work.pull(*(f"bands/{band}/*.bin" for band in band_names(self.bands)[rank::world_size]))
        if self.verify:
            work.pull("docs/*.bin", "shingles/*.bin")
        work.pairs(rank).parent.mkdir(parents=True, exist_ok=True)
        checker = _JaccardChecker(work, self.threshold) if self.verify else None
        try:
            self._write_pairs(work, rank, world_size, checker)
        finally:
            if checker is not None:
                checker.close()
        work.push(work.pairs(rank))

    def _write_pairs(self, work: WorkDir, rank: int, world_size: int, checker: "_JaccardChecker | None") -> None:
        seen = np.zeros(0, dtype=np.uint64)  # keys of the pairs this task has already handled
        with open(work.pairs(rank), "wb") as out:
            for band in band_names(self.bands)[rank::world_size]:
                for pairs in self._band_pairs(work, band):
                    pairs, seen = _new_pairs(pairs, seen)
                    self.stat_update("candidate_pairs", value=len(pairs))
                    if checker is not None and band != EXACT_BAND and len(pairs):
                        with self.track_time("verify"):
                            pairs = pairs[checker.keep(pairs)]
                    self.stat_update("duplicate_pairs", value=len(pairs))
                    out.write(pairs.tobytes())

    def _band_pairs(self, work: WorkDir, band: str):
        """Candidate pairs of one band, one hash range at a time."""
        ranks = work.band_ranks(band)
        files = [work.read(work.band(band, r), BAND_DTYPE) for r in ranks]
        total = sum(len(f) for f in files)
        chunks = max(1, -(-total // self.max_records))
        bounds = [int(i * _U64_SPAN / chunks) for i in range(chunks)] + [2**64]
        for lo, hi in zip(bounds[:-1], bounds[1:]):
            parts, owners = [], []
            for r, f in zip(ranks, files):
                hashes = f["hash"]
                a = np.searchsorted(hashes, np.uint64(lo), side="left")
                b = len(f) if hi == 2**64 else np.searchsorted(hashes, np.uint64(hi), side="left")
                if b > a:
                    parts.append(np.asarray(f[a:b]))
                    owners.append(np.full(b - a, r, dtype=np.uint64))
            if parts:
                with self.track_time("bucket"):
                    yield _run_pairs(np.concatenate(parts), np.concatenate(owners))


def _run_pairs(records: np.ndarray, owners: np.ndarray) -> np.ndarray:
    """Pairs inside every run of equal hashes: (run's first, member) and (previous member, member)."""
    order = np.lexsort((records["key"], records["hash"]))
    h = records["hash"][order]
    gid = global_id(owners[order], records["index"][order])
    if len(h) < 2:
        return np.zeros(0, dtype=PAIR_DTYPE)
    new_run = np.concatenate(([True], h[1:] != h[:-1]))
    run_first = np.maximum.accumulate(np.where(new_run, np.arange(len(h)), 0))
    members = np.flatnonzero(~new_run)
    prev = members - 1
    chained = prev != run_first[members]
    a = np.concatenate((gid[run_first[members]], gid[prev[chained]]))
    b = np.concatenate((gid[members], gid[members[chained]]))
    pairs = np.empty(len(a), dtype=PAIR_DTYPE)
    pairs["a"], pairs["b"] = np.minimum(a, b), np.maximum(a, b)
    return pairs


def _pair_keys(pairs: np.ndarray) -> np.ndarray:
    """A 64-bit key per pair (collisions only make a pair be skipped as already seen: 2**-64 odds)."""
    x = pairs["a"] * np.uint64(0x9E3779B97F4A7C15) ^ pairs["b"]
    x ^= x >> np.uint64(31)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    return x ^ (x >> np.uint64(29))


def _new_pairs(pairs: np.ndarray, seen: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct pairs not in ``seen`` (sorted keys), and ``seen`` updated with them."""
    keys, first = np.unique(_pair_keys(pairs), return_index=True)
    fresh = ~np.isin(keys, seen, assume_unique=True)
    return pairs[first[fresh]], np.union1d(seen, keys[fresh])


class _JaccardChecker:
    """Exact Jaccard similarity of two documents' shingle sets, read from the signature step's files."""

    def __init__(self, work: WorkDir, threshold: float):
        self.work = work
        self.threshold = threshold
        self._docs: dict[int, np.ndarray] = {}
        self._shingles: dict[int, BinaryIO] = {}
        self._recent: dict[int, np.ndarray] = {}

    def _set(self, gid: int) -> np.ndarray:
        """The distinct shingles of a document (the last few thousand are cached: runs reuse their first)."""
        if gid in self._recent:
            return self._recent[gid]
        if len(self._recent) >= 4096:
            self._recent.clear()
        self._recent[gid] = self._read_set(gid)
        return self._recent[gid]

    def _read_set(self, gid: int) -> np.ndarray:
        # shingles are read with seek + read, not a memmap: scattered lookups would map a large share of the
        # file into this process
        rank, index = gid >> 32, gid & 0xFFFFFFFF
        if rank not in self._docs:
            self._docs[rank] = self.work.read(self.work.docs(rank), DOC_DTYPE)
            self._shingles[rank] = open(self.work.shingles(rank), "rb")
        rec = self._docs[rank][index]
        f = self._shingles[rank]
        f.seek(int(rec["shingle_start"]) * 4)
        return np.unique(np.frombuffer(f.read(int(rec["shingle_count"]) * 4), dtype=np.uint32))

    def close(self) -> None:
        for f in self._shingles.values():
            f.close()

    def jaccard(self, a: int, b: int) -> float:
        sa, sb = self._set(a), self._set(b)
        if len(sa) == 0 or len(sb) == 0:
            return 0.0
        inter = np.intersect1d(sa, sb, assume_unique=True).size
        return inter / (len(sa) + len(sb) - inter)

    def keep(self, pairs: np.ndarray) -> np.ndarray:
        """Boolean mask of the pairs whose Jaccard similarity reaches the threshold."""
        return np.fromiter(
            (self.jaccard(int(a), int(b)) >= self.threshold for a, b in zip(pairs["a"], pairs["b"])),
            dtype=bool,
            count=len(pairs),
        )
