"""Dedup step 1 of 4: hash every document of a shard (signatures, band hashes, exact hash, shingles).

Streams its shard in batches; what it keeps in memory is one batch of documents. At the end it sorts each band
file of its shard by hash, one band at a time (the same bound as datatrove's ``MinhashDedupSignature``).
"""

from __future__ import annotations

import json
import math
from contextlib import ExitStack

import numpy as np
import xxhash
from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.utils.batching import batched

from curate.dedup.config import DedupConfig
from curate.dedup.layout import BAND_DTYPE, DOC_DTYPE, WorkDir, band_names


class DedupSignatures(PipelineStep):
    """Writes, per document, its record, shingles, exact hash and LSH band hashes to the work folder."""

    name = "🔏 dedup signatures"
    type = "🫂 - DEDUP"

    def __init__(self, work_dir: str, config: DedupConfig):
        super().__init__()
        self.work_dir = str(work_dir)
        self.config = config
        self.bands, self.rows = config.lsh_params()
        self._hasher = None

    @property
    def hasher(self):
        """The MinHasher, built on the worker (its tables are not worth pickling)."""
        if self._hasher is None:
            from curate.dedup.minhash import MinHasher

            self._hasher = MinHasher(self.config.num_perm, self.config.ngram, self.config.seed)
        return self._hasher

    def __getstate__(self):
        return {**self.__dict__, "_hasher": None}

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> None:
        """Consume the shard (this step ends its pipeline) and write its files."""
        work = WorkDir(self.work_dir)
        names = band_names(self.bands)
        paths = [work.docs(rank), work.ids(rank), work.id_offsets(rank), work.shingles(rank)]
        paths += [work.band(b, rank) for b in names]
        for p in paths:
            p.parent.mkdir(parents=True, exist_ok=True)
        state = _ShardState()
        with ExitStack() as stack:
            docs_f, ids_f, off_f, sh_f, *band_fs = (stack.enter_context(open(p, "wb")) for p in paths)
            off_f.write(np.zeros(1, dtype=np.uint64).tobytes())
            for batch in batched(data, self.config.batch_size):
                with self.track_time("batch"):
                    self._write_batch(batch, state, docs_f, ids_f, off_f, sh_f, band_fs)
        work.files(rank).write_text(json.dumps(state.files))
        with self.track_time("sort bands"):
            for b in names:
                _sort_band_file(work.band(b, rank))

    def _write_batch(self, batch: list[Document], state: "_ShardState", docs_f, ids_f, off_f, sh_f, band_fs):
        texts = [doc.text or "" for doc in batch]
        h = self.hasher.hash_batch(texts)
        records = np.zeros(len(batch), dtype=DOC_DTYPE)
        records["exact"] = h.exact
        records["length"] = h.chars
        records["score"] = [_score(doc, self.config.score_key) for doc in batch]
        records["words"] = h.n_words
        records["shingle_start"] = state.shingles_written + h.shingle_offsets[:-1]
        records["shingle_count"] = np.diff(h.shingle_offsets)
        keys = np.zeros(len(batch), dtype=np.uint64)
        for i, doc in enumerate(batch):
            records["file"][i], records["pos"][i], keys[i] = state.locate(doc)
        docs_f.write(records.tobytes())
        ids = [str(doc.id).encode("utf-8", errors="surrogatepass") for doc in batch]
        off_f.write((state.id_bytes + np.cumsum([len(x) for x in ids], dtype=np.uint64)).tobytes())
        ids_f.write(b"".join(ids))
        state.id_bytes += sum(len(x) for x in ids)
        sh_f.write(h.shingles32.tobytes())
        state.shingles_written += len(h.shingles32)

        has_words = h.n_words > 0
        index = state.docs_written + np.flatnonzero(has_words)
        lsh = self.hasher.band_hashes(h.signatures[has_words], self.bands, self.rows)
        for f, column in zip(band_fs, np.hstack([h.exact[has_words, None], lsh]).T):
            out = np.empty(len(column), dtype=BAND_DTYPE)
            out["hash"], out["key"], out["index"] = column, keys[has_words], index
            f.write(out.tobytes())
        state.docs_written += len(batch)
        self.stat_update("documents", value=len(batch))
        self.stat_update("without_words", value=int((~has_words).sum()))


class _ShardState:
    """Running counters of one signature task, and each document's place in its input file."""

    def __init__(self):
        self.files: list[str] = []
        self._file_index: dict[str, int] = {}
        self._next_pos: dict[str, int] = {}
        self.docs_written = 0
        self.shingles_written = 0
        self.id_bytes = 0

    def locate(self, doc: Document) -> tuple[int, int, int]:
        """(file index, position in file, task-independent 64-bit key) of a document, in reading order.

        The file is the document's original input file (``source_file``, set by curate's reader and carried by
        every stage) or else the file datatrove read it from (``file_path``): neither depends on task counts.
        """
        path = str(doc.metadata.get("source_file") or doc.metadata.get("file_path") or "")
        if path not in self._file_index:
            self._file_index[path] = len(self.files)
            self.files.append(path)
            self._next_pos[path] = 0
        pos = self._next_pos[path]
        self._next_pos[path] = pos + 1
        key = xxhash.xxh3_64_intdigest(f"{path}\0{pos}".encode("utf-8", errors="surrogatepass"))
        return self._file_index[path], pos, key


def _score(doc: Document, key: str) -> float:
    value = doc.metadata.get(key)
    try:
        score = float(value)
    except (TypeError, ValueError):
        return math.nan
    return score if math.isfinite(score) else math.nan


def _sort_band_file(path) -> None:
    """Sort a band file by (hash, key) in place: the bucket step reads hash ranges with binary search."""
    records = np.fromfile(path, dtype=BAND_DTYPE)
    if len(records) > 1:
        records = records[np.lexsort((records["key"], records["hash"]))]
        records.tofile(path)
