"""The input reader: WARC/ARC/WET, HTML files, JSONL and Parquet, from any mix of files and folders.

One datatrove step (:class:`InputReader`) lists every input file (local, or on object storage through fsspec:
:mod:`curate.storage`) in a fixed order, takes its shard
(``files[rank::world_size]``), detects each file's format and streams its documents. It never stops a task for
bad input:

- an unusable record (binary payload, unsupported content type, empty, too large, malformed JSON line...) is
  rejected with its reason to the stage's ``rejected/<reason>/`` folder;
- a file that cannot be read to its end (truncated gzip, broken WARC framing, corrupt Parquet) keeps the documents
  read before the damage, and is itself rejected as ``corrupt_file`` with the error and the number of records read;
- problems that cost no document (a clipped record, a mis-declared charset) are flagged in the document's metadata.

Every problem also goes to ``<problems_dir>/<rank>.jsonl`` (file, kind, detail), which the stage summarises into
``report/input_problems.json``.
"""

from __future__ import annotations

import fnmatch
import json
import os
import time
from pathlib import Path

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from curate.accounting import STAT_IN, STAT_IN_BYTES, Rejects, text_bytes
from curate.io.formats import detect_format
from curate.io.sources import SOURCES, Item, SourceOptions
from curate.storage import can_flush, is_url, list_files, open_file


def list_input_files(paths: list[str], glob: str | None = None) -> list[tuple[str, str]]:
    """Every input file as (absolute path, path relative to the input folder it was found in), sorted.

    A file given directly is relative to its own folder (its name). Hidden files and folders are skipped. A URL
    keeps its scheme (``s3://bucket/...``).
    """
    found: list[tuple[str, str]] = []
    for root in paths:
        if is_url(root):
            found.extend((full, rel) for full, rel in list_files(root) if not glob or fnmatch.fnmatch(rel, glob))
            continue
        root = os.path.abspath(root)
        if os.path.isfile(root):
            found.append((root, os.path.basename(root)))
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                full = os.path.join(dirpath, name)
                rel = os.path.relpath(full, root)
                if glob and not fnmatch.fnmatch(rel, glob):
                    continue
                found.append((full, rel))
    return found


class InputReader(PipelineStep):
    """Reads the run's input files (see the module docstring); the first step of a first stage."""

    name = "📖 input reader"
    type = "📖 - READER"

    def __init__(
        self,
        paths: list[str],
        format: str = "auto",
        glob: str | None = None,
        problems_dir: str | None = None,
        text_key: str = "text",
        id_key: str = "id",
        limit: int = -1,
        max_bytes: int = 10_000_000,
        progress_every_s: float = 15.0,
    ):
        super().__init__()
        self.progress_every_s = progress_every_s
        self.paths = list(paths)
        self.format = format
        self.glob = glob
        self.rejects: Rejects | None = None  # given by the framework in a stage's accounted group
        self.problems_dir = problems_dir
        self.limit = limit
        self.options = SourceOptions(text_key=text_key, id_key=id_key, max_bytes=max_bytes)

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        files = list_input_files(self.paths, self.glob)[rank::world_size]
        problems = _ProblemLog(self.problems_dir, rank)
        progress = _Progress(rank, len(files), self.progress_every_s)
        yielded = 0
        try:
            for path, rel in files:
                self.stat_update("input_files")
                progress.file_started(rel)
                for item in self._read_file(path, rel, problems):
                    progress.record()
                    if item.problem:
                        problems.add(item.problem)
                    if item.doc is None:
                        continue
                    if item.reason is not None:
                        self._reject(item.doc, item.reason, rank)
                        continue
                    if self.limit != -1 and yielded >= self.limit:
                        return
                    yielded += 1
                    yield item.doc
        finally:
            problems.close()

    def _read_file(self, path: str, rel: str, problems: "_ProblemLog"):
        fmt = self.format if self.format != "auto" else detect_format(path)
        if fmt is None:
            problems.add({"kind": "unknown_format", "file": rel, "detail": "not WARC, WET, HTML, JSONL or Parquet"})
            yield Item(doc=Document(text="", id=rel, metadata={"source_file": rel}), reason="unknown_format")
            return
        count = 0  # records read (problem notes are not records)
        try:
            for item in SOURCES[fmt](path, rel, self.options):
                count += item.doc is not None
                yield item
        except Exception as err:  # a damaged file: keep what was read, report the rest
            self.stat_update("corrupt_files")
            detail = f"{type(err).__name__}: {str(err).strip()[:500]}"
            problems.add({"kind": "corrupt_file", "file": rel, "format": fmt, "records_read": count, "detail": detail})
            meta = {"source_file": rel, "format": fmt, "records_read": count, "error": detail}
            yield Item(doc=Document(text="", id=f"{rel}#corrupt", metadata=meta), reason="corrupt_file")

    def _reject(self, doc: Document, reason: str, rank: int) -> None:
        self.stat_update(STAT_IN)
        self.stat_update(STAT_IN_BYTES, value=text_bytes(doc))
        if self.rejects is not None:
            self.rejects.reject(self, doc, reason, rank)


class _Progress:
    """Logs a task's progress (files, records, rate) every ``every_s`` seconds through datatrove's logger, which
    shows rank 0 on the console and every rank in its log file."""

    def __init__(self, rank: int, n_files: int, every_s: float):
        self.rank, self.n_files, self.every_s = rank, n_files, every_s
        self.files = self.records = 0
        self.start = self.last = time.monotonic()

    def file_started(self, rel: str) -> None:
        self.files += 1
        self._maybe_log(rel)

    def record(self) -> None:
        self.records += 1
        if self.records % 64 == 0:
            self._maybe_log(None)

    def _maybe_log(self, rel: str | None) -> None:
        now = time.monotonic()
        if now - self.last < self.every_s:
            return
        from datatrove.utils.logging import logger

        self.last = now
        rate = self.records / max(now - self.start, 1e-9)
        where = f", now {rel}" if rel else ""
        logger.info(f"rank {self.rank}: file {self.files}/{self.n_files}, {self.records} records, {rate:.1f}/s{where}")


class _ProblemLog:
    """Appends input problems of one task to ``<problems_dir>/<rank>.jsonl`` (opened on the first problem)."""

    def __init__(self, folder: str | None, rank: int):
        self.path = f"{folder.rstrip('/')}/{rank:05d}.jsonl" if folder else None
        self._fh = None

    def add(self, problem: dict) -> None:
        if self.path is None:
            return
        if self._fh is None:
            if not is_url(self.path):
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self._fh = open_file(self.path, "w", encoding="utf-8")
        self._fh.write(json.dumps(problem, ensure_ascii=False) + "\n")

    def close(self) -> None:
        if self._fh is not None and can_flush():
            self._fh.close()


def build_reader(input_cfg, problems_dir: str | None = None, **kwargs) -> InputReader:
    """The reader for a run's ``input`` block (see :class:`curate.config.InputConfig`)."""
    return InputReader(
        paths=input_cfg.paths,
        format=input_cfg.format,
        glob=input_cfg.glob,
        problems_dir=problems_dir,
        text_key=input_cfg.text_key,
        id_key=input_cfg.id_key,
        limit=input_cfg.limit,
        **kwargs,
    )
