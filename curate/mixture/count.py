"""Token counting as a datatrove step: each task counts its share of the files, in batches, with a per-file cache.

The cache is keyed by the file's content (sha256) and by what the count depends on (tokenizer file, text field), so
re-running a mixture, or a mixture that shares files with another, reads the counts back instead of re-tokenizing.
Each task writes what it counted to ``<work>/<rank>.json``; the stage's finalize step reads those files.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.utils.batching import batched
from loguru import logger

from curate.jsonio import write_json_atomic
from curate.mixture.sources import FileEntry, Source, assign, list_files
from curate.tokenizers import TokenCounter, TokenizerRef, file_sha256, load_counter


def count_key(tokenizer: TokenizerRef, text_key: str) -> str:
    """What a file's count depends on besides its content: the tokenizer file and the text field."""
    return hashlib.sha256(f"{tokenizer.kind}\0{tokenizer.sha256}\0{text_key}".encode()).hexdigest()[:16]


def make_reader(parquet: bool, text_key: str):
    """A datatrove reader rooted at ``/``, so that one instance reads any local file by its absolute path."""
    from datatrove.pipeline.readers import JsonlReader, ParquetReader

    if parquet:
        return ParquetReader("/", text_key=text_key)
    return JsonlReader("/", text_key=text_key, add_file_path=False)


class CountTokens(PipelineStep):
    """Counts documents and tokens of every file of the mixture's sources, one share of the files per task."""

    name = "🔢 count tokens"
    type = "📊 - STATS"

    def __init__(self, sources: list[Source], tokenizer: TokenizerRef, cache_dir: str, work_dir: str,
                 batch_size: int = 1000):
        super().__init__()
        self.sources = sources
        self.tokenizer = tokenizer
        self.cache_dir = cache_dir
        self.work_dir = work_dir
        self.batch_size = batch_size
        self._readers: dict = {}

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        by_name = {s.name: s for s in self.sources}
        listing = [entry for s in self.sources for entry in list_files(s)]
        counter = load_counter(self.tokenizer)
        mine = assign(listing, world_size)[rank]
        records = [self._count_file(entry, by_name[entry.source], counter) for entry in mine]
        folders = {s.name: str(folder) if (folder := s.folder()) else None for s in self.sources}
        write_json_atomic(Path(self.work_dir) / f"{rank:05d}.json",
                          {"rank": rank, "world_size": world_size, "folders": folders, "files": records})

    def _count_file(self, entry: FileEntry, source: Source, counter: TokenCounter) -> dict:
        record = {"source": entry.source, "path": entry.path, "size": entry.size, "mtime_ns": entry.mtime_ns}
        with self.track_time():
            record["sha256"] = sha = file_sha256(entry.path)
            cache = Path(self.cache_dir) / sha[:2] / f"{sha}.{count_key(self.tokenizer, source.text_key)}.json"
            if cache.is_file():
                record.update(json.loads(cache.read_text()), cached=True)
                self.stat_update("files_cached")
            else:
                try:
                    documents, tokens = self._tokenize(entry.path, source.text_key, counter)
                except Exception as err:  # a corrupt shard is reported and skipped, never fatal
                    logger.warning(f"mixture: could not read {entry.path}, skipped: {err}")
                    self.stat_update("files_unreadable")
                    return {**record, "documents": 0, "tokens": 0, "error": f"{type(err).__name__}: {err}"}
                write_json_atomic(cache, {"documents": documents, "tokens": tokens})
                record.update(documents=documents, tokens=tokens, cached=False)
                self.stat_update("files_counted")
        self.stat_update("documents", value=record["documents"])
        self.stat_update("tokens", value=record["tokens"])
        return record

    def _texts(self, path: str, text_key: str):
        """The texts of one JSONL (any compression) or Parquet file, read with datatrove's own readers."""
        key = (path.endswith(".parquet"), text_key)
        if key not in self._readers:  # building a reader costs ~0.1 s (dependency checks): once per task
            self._readers[key] = make_reader(*key)
        for doc in self._readers[key].read_file(path):
            yield doc.text

    def _tokenize(self, path: str, text_key: str, counter: TokenCounter) -> tuple[int, int]:
        documents = tokens = 0
        for batch in batched(self._texts(path, text_key), self.batch_size):
            documents += len(batch)
            tokens += sum(counter.count(list(batch)))
        return documents, tokens
