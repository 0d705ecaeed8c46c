"""Document accounting: every document that enters a stage leaves it kept or dropped with a reason.

Three building blocks, used by every stage:

- :class:`Rejects` writes a dropped document to ``<out>/<stage>/rejected/<reason>/<rank>.jsonl.gz`` with the
  reason in ``metadata["filter_reason"]`` (datatrove's own key for exclusion writers), and counts it.
- :class:`DropFilter` is a datatrove ``BaseFilter`` whose drops go through a ``Rejects``;
  :class:`DatatroveFilter` adapts any of datatrove's own filters (Gopher, C4, FineWeb, URL...) to it.
- :class:`CountIn` and :class:`KeepWriter` count what enters a stage and write what it keeps.

The counts are datatrove stats (``stat_update``) under the ``funnel_*`` keys below, so they land in datatrove's
per-task stats files on any executor; :mod:`curate.report.funnel` sums them into the funnel table.
"""

from __future__ import annotations

import re
import time

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.filters.base_filter import BaseFilter, get_filter_result
from datatrove.pipeline.writers.jsonl import JsonlWriter
from datatrove.utils.batching import batched

from curate.storage import location, write_json

STAT_IN = "funnel_in"
STAT_IN_BYTES = "funnel_in_bytes"
STAT_KEPT = "funnel_kept"
STAT_KEPT_BYTES = "funnel_kept_bytes"
STAT_DROPPED = "funnel_dropped/"  # + reason
STAT_DROPPED_BYTES = "funnel_dropped_bytes/"  # + reason
REASON_KEY = "filter_reason"
KEPT_FILENAME = "${rank}.jsonl.gz"
KEPT_GLOB = "*.jsonl.gz"

_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]+")


def text_bytes(doc: Document) -> int:
    """UTF-8 size of a document's text (what the funnel reports as bytes)."""
    return len(doc.text.encode("utf-8", errors="replace")) if doc.text else 0


def safe_reason(reason: str) -> str:
    """A reason usable as a folder name: letters, digits, ``_ . -``; anything else becomes ``_``."""
    return _UNSAFE.sub("_", reason).strip("._") or "unspecified"


class Rejects:
    """Writes dropped documents of one stage, one file per (reason, rank).

    One instance is shared by all steps of a stage's pipeline: datatrove pickles the pipeline as one object, so the
    sharing survives the trip to a worker or a Slurm node, and two steps never open the same file twice.
    The writer opens lazily on the worker and is closed by the stage's :class:`KeepWriter` at the end of the task.
    """

    def __init__(self, folder: str):
        self.folder = str(folder)
        self._writer: JsonlWriter | None = None

    def reject(self, step: PipelineStep, doc: Document, reason: str, rank: int) -> None:
        """Record ``doc`` as dropped by ``step`` for ``reason`` and write it out."""
        reason = safe_reason(reason)
        doc.metadata[REASON_KEY] = reason
        step.stat_update(STAT_DROPPED + reason)
        step.stat_update(STAT_DROPPED_BYTES + reason, value=text_bytes(doc))
        if self._writer is None:
            self._writer = JsonlWriter(self.folder, output_filename="${filter_reason}/${rank}.jsonl.gz")
        self._writer.write(doc, rank)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def __getstate__(self):
        return {"folder": self.folder, "_writer": None}


class CountIn(PipelineStep):
    """Counts the documents (and their bytes) entering a stage. Put it right after the stage's reader.

    With ``progress_dir``, it also keeps ``<progress_dir>/<rank>.json`` (``{"docs", "bytes"}``) up to date, at most
    every ``every_s`` seconds and at the end of the task: what the console shows while a run goes on.
    """

    name = "📥 count in"
    type = "📊 - FUNNEL"

    def __init__(self, progress_dir: str | None = None, every_s: float = 1.0):
        super().__init__()
        self.progress_dir, self.every_s = progress_dir, every_s

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        docs = size = 0
        last = time.monotonic()
        for doc in data:
            docs, size = docs + 1, size + text_bytes(doc)
            self.stat_update(STAT_IN)
            self.stat_update(STAT_IN_BYTES, value=text_bytes(doc))
            if self.progress_dir and time.monotonic() - last >= self.every_s:
                self._write_progress(rank, docs, size)
                last = time.monotonic()
            yield doc
        if self.progress_dir:
            self._write_progress(rank, docs, size)

    def _write_progress(self, rank: int, docs: int, size: int) -> None:
        write_json(location(self.progress_dir) / f"{rank:05d}.json", {"docs": docs, "bytes": size})


class DropFilter(BaseFilter):
    """A datatrove filter whose dropped documents go to the stage's ``rejected/<reason>/`` folder.

    Subclasses implement ``filter(doc) -> bool | tuple[bool, str]`` (or ``filter_batch``) exactly as for datatrove's
    ``BaseFilter``; a drop without a reason is recorded under ``default_reason``. The stage's :class:`Rejects` is
    given by the framework (:meth:`curate.stage.StageContext.accounted`), never by the stage.
    """

    default_reason = "filtered"

    def __init__(self, batch_size: int = 1):
        super().__init__(exclusion_writer=None, batch_size=batch_size)
        self.rejects: Rejects | None = None  # the stage's, given by StageContext.accounted; None drops unrecorded

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        for batch in batched(data, self.batch_size):
            with self.track_time("batch" if self.batch_size > 1 else None):
                results = self.filter_batch(batch)
            for doc, result in zip(batch, results):
                self.stat_update("total")
                keep, reason = get_filter_result(result)
                if keep:
                    self.stat_update("forwarded")
                    yield doc
                else:
                    self.stat_update("dropped")
                    if self.rejects is not None:
                        self.rejects.reject(self, doc, reason or self.default_reason, rank)


class DatatroveFilter(DropFilter):
    """Runs one of datatrove's own filters, recording its drops under ``<prefix>.<datatrove's reason>``.

    ``requires`` names a metadata key the filter cannot work without (the URL filter needs ``url``): documents
    lacking it pass unjudged and are counted as ``skipped_no_<key>``.
    """

    def __init__(self, inner: BaseFilter, prefix: str, requires: str | None = None):
        self.name = f"{prefix} ({inner.name})"  # before PipelineStep.__init__, which names the stats after it
        super().__init__()
        self.inner = inner
        self.prefix = prefix
        self.requires = requires
        self.default_reason = prefix

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        if self.requires and not doc.metadata.get(self.requires):
            self.stat_update(f"skipped_no_{self.requires}")
            return True
        keep, reason = get_filter_result(self.inner.filter(doc))
        if keep:
            return True
        if not reason:
            return False, self.prefix
        # datatrove's reasons are sometimes already namespaced ("gopher_short_doc"): keep those as they are
        family = self.prefix.split("_")[0] + "_"
        return False, reason if reason.startswith(family) else f"{self.prefix}.{reason}"


class KeepWriter(JsonlWriter):
    """Writes the documents a stage keeps to ``<folder>/<rank>.jsonl.gz`` and counts them.

    It stamps provenance into each document's metadata (``curate_stage``, ``curate_run``), and, as the last step of
    the stage, closes the stage's :class:`Rejects` once the task's input is exhausted.
    """

    name = "💾 keep"

    def __init__(self, folder: str, rejects: Rejects | None = None, stage: str = "", run_id: str = ""):
        super().__init__(str(folder), output_filename=KEPT_FILENAME)
        self.rejects = rejects
        self.stage = stage
        self.run_id = run_id

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        try:
            with self:
                for doc in data:
                    if self.stage:
                        doc.metadata["curate_stage"] = self.stage
                    if self.run_id:
                        doc.metadata["curate_run"] = self.run_id
                    with self.track_time():
                        self.write(doc, rank)
                    self.stat_update(STAT_KEPT)
                    self.stat_update(STAT_KEPT_BYTES, value=text_bytes(doc))
                    yield doc
        finally:
            if self.rejects is not None:
                self.rejects.close()
