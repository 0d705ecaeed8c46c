"""Document accounting: every document that enters a stage leaves it kept or dropped with a reason.

The building blocks, used by every stage:

- :class:`Rejects` writes a dropped document to ``<out>/<stage>/rejected/<reason>/<rank>.jsonl.gz`` with the
  reason in ``metadata["filter_reason"]`` (datatrove's own key for exclusion writers), and counts it.
- :class:`Edits` does the same for what a step removes from the text of a document it keeps (C4's line rules...):
  ``<out>/<stage>/edits/<rule>/<rank>.jsonl.gz``, one record per (document, rule) holding the removed lines.
- :class:`DropFilter` is a datatrove ``BaseFilter`` whose drops go through a ``Rejects`` and whose text edits go
  through an ``Edits``; :class:`DatatroveFilter` adapts any of datatrove's own filters (Gopher, C4, FineWeb, URL...)
  to it, and accounts for the text it changes.
- :class:`CountIn` and :class:`KeepWriter` count what enters a stage and write what it keeps.

The counts are datatrove stats (``stat_update``) under the ``funnel_*`` keys below, so they land in datatrove's
per-task stats files on any executor; :mod:`curate.report.funnel` sums them into the funnel table.
"""

from __future__ import annotations

import difflib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.filters.base_filter import BaseFilter, get_filter_result
from datatrove.pipeline.writers.jsonl import JsonlWriter
from datatrove.utils.batching import batched

from curate.storage import can_flush, location, write_json

STAT_IN = "funnel_in"
STAT_IN_BYTES = "funnel_in_bytes"
STAT_KEPT = "funnel_kept"
STAT_KEPT_BYTES = "funnel_kept_bytes"
STAT_DROPPED = "funnel_dropped/"  # + reason
STAT_DROPPED_BYTES = "funnel_dropped_bytes/"  # + reason
STAT_EDIT_DOCS = "funnel_edit_docs/"  # + rule
STAT_EDIT_LINES = "funnel_edit_lines/"  # + rule
STAT_EDIT_CHARS = "funnel_edit_chars/"  # + rule
REASON_KEY = "filter_reason"
EMPTY = "empty"  # the drop reason of a document without text (an empty record, or a kept text edited away)
EDIT_RULE_KEY = "edit_rule"
KEPT_FILENAME = "${rank}.jsonl.gz"
KEPT_GLOB = "*.jsonl.gz"

_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]+")


def text_bytes(doc: Document) -> int:
    """UTF-8 size of a document's text (what the funnel reports as bytes). An ASCII text's size is its length,
    known without encoding it (``str.isascii`` reads a flag): pages are hundreds of kilobytes of HTML."""
    text = doc.text
    if not text:
        return 0
    return len(text) if text.isascii() else len(text.encode("utf-8", errors="replace"))


def safe_reason(reason: str) -> str:
    """A reason usable as a folder name: letters, digits, ``_ . -``; anything else becomes ``_``."""
    return _UNSAFE.sub("_", reason).strip("._") or "unspecified"


class _LazyWriter:
    """A stage-wide sink of documents: a datatrove ``JsonlWriter`` under ``folder``, named by ``filename`` (a
    template over the written document's metadata and ``${rank}``), opened on the worker at the first write.

    One instance is shared by all steps of a stage's pipeline: datatrove pickles the pipeline as one object, so the
    sharing survives the trip to a worker or a Slurm node, and two steps never open the same file twice. The stage's
    :class:`KeepWriter` closes it at the end of the task.
    """

    filename: str

    def __init__(self, folder: str):
        self.folder = str(folder)
        self._writer: JsonlWriter | None = None

    def _write(self, doc: Document, rank: int) -> None:
        if self._writer is None:
            self._writer = JsonlWriter(self.folder, output_filename=self.filename)
        self._writer.write(doc, rank)

    def close(self) -> None:
        """Close the open files; skipped while the interpreter exits (see :func:`curate.storage.can_flush`)."""
        if self._writer is not None and can_flush():
            self._writer.close()
        self._writer = None

    def __getstate__(self):
        return {**self.__dict__, "_writer": None}


class Rejects(_LazyWriter):
    """Writes dropped documents of one stage, one file per (reason, rank): ``<folder>/<reason>/<rank>.jsonl.gz``."""

    filename = "${filter_reason}/${rank}.jsonl.gz"

    def reject(self, step: PipelineStep, doc: Document, reason: str, rank: int) -> None:
        """Record ``doc`` as dropped by ``step`` for ``reason`` and write it out."""
        reason = safe_reason(reason)
        doc.metadata[REASON_KEY] = reason
        step.stat_update(STAT_DROPPED + reason)
        step.stat_update(STAT_DROPPED_BYTES + reason, value=text_bytes(doc))
        self._write(doc, rank)


@dataclass
class TextEdit:
    """What one rule removed from one document's text: the removed lines (or pieces of lines, for a rule that cuts
    inside a line) in text order, how many whole lines that was, and how many characters."""

    rule: str
    removed: list[str]
    lines: int
    chars: int

    @classmethod
    def of_lines(cls, rule: str, lines: list[str]) -> TextEdit:
        """Whole lines removed: ``chars`` counts their characters, not the line breaks between them."""
        return cls(rule, lines, len(lines), sum(map(len, lines)))


class Edits(_LazyWriter):
    """Writes what the steps of one stage removed from the text of documents they kept, one file per (rule, rank):
    ``<folder>/<rule>/<rank>.jsonl.gz``. Each record is a datatrove document with the edited document's ``id``, the
    removed lines joined by ``"\\n"`` as ``text``, and ``metadata`` ``edit_rule``, ``lines_removed``, ``chars_removed``
    and ``curate_stage``. Each edit is also counted under ``funnel_edit_{docs,lines,chars}/<rule>``.
    """

    filename = "${edit_rule}/${rank}.jsonl.gz"

    def __init__(self, folder: str, stage: str = ""):
        super().__init__(folder)
        self.stage = stage

    def record(self, step: PipelineStep, doc: Document, edit: TextEdit, rank: int) -> None:
        """Count ``edit`` of ``doc`` (made by ``step``) and write the removed text out."""
        rule = safe_reason(edit.rule)
        step.stat_update(STAT_EDIT_DOCS + rule)
        step.stat_update(STAT_EDIT_LINES + rule, value=edit.lines)
        step.stat_update(STAT_EDIT_CHARS + rule, value=edit.chars)
        metadata = {EDIT_RULE_KEY: rule, "lines_removed": edit.lines, "chars_removed": edit.chars}
        if self.stage:
            metadata["curate_stage"] = self.stage
        self._write(Document(text="\n".join(edit.removed), id=doc.id, metadata=metadata), rank)


def removed_lines(rule: str, before: str, after: str) -> list[TextEdit]:
    """The lines of ``before`` that are not in ``after`` (a line diff), as one edit under ``rule``: how a text change
    is accounted for when the step that made it cannot say which of its rules removed what."""
    old, new = before.splitlines(), after.splitlines()
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    gone = [line for tag, i1, i2, _, _ in matcher.get_opcodes() if tag in ("delete", "replace") for line in old[i1:i2]]
    return [TextEdit.of_lines(rule, gone)] if gone else []


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
            n_bytes = text_bytes(doc)
            docs, size = docs + 1, size + n_bytes
            self.stat_update(STAT_IN)
            self.stat_update(STAT_IN_BYTES, value=n_bytes)
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
    ``BaseFilter``; a drop without a reason is recorded under ``default_reason``. A subclass that changes the text of
    a document calls :meth:`note_edit` for each rule that removed something: the edit is written to ``edits`` (and
    counted) if the step keeps the document, so every change to a kept document's text can be read back. The
    stage's :class:`Rejects` and :class:`Edits` are given by the framework
    (:meth:`curate.stage.StageContext.accounted`), never by the stage.
    """

    default_reason = "filtered"

    def __init__(self, batch_size: int = 1):
        super().__init__(exclusion_writer=None, batch_size=batch_size)
        # the stage's, given by StageContext.accounted; None: drops and edits go unrecorded
        self.rejects: Rejects | None = None
        self.edits: Edits | None = None
        self._pending_edits: list[tuple[Document, TextEdit]] = []

    def note_edit(self, doc: Document, edit: TextEdit) -> None:
        """Record that this step removed ``edit.removed`` from ``doc.text`` (called from ``filter``)."""
        self._pending_edits.append((doc, edit))

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        for batch in batched(data, self.batch_size):
            with self.track_time("batch" if self.batch_size > 1 else None):
                results = self.filter_batch(batch)
            kept = set()
            for doc, result in zip(batch, results):
                self.stat_update("total")
                keep, reason = get_filter_result(result)
                if keep:
                    kept.add(id(doc))
                else:
                    self.stat_update("dropped")
                    if self.rejects is not None:
                        self.rejects.reject(self, doc, reason or self.default_reason, rank)
            self._write_edits(kept, rank)
            for doc in batch:
                if id(doc) in kept:
                    self.stat_update("forwarded")
                    yield doc

    def _write_edits(self, kept: set[int], rank: int) -> None:
        """Write the noted edits of the documents this step keeps; a dropped document's edits are moot."""
        if self.edits is not None:
            for doc, edit in self._pending_edits:
                if id(doc) in kept:
                    self.edits.record(self, doc, edit, rank)
        self._pending_edits.clear()


class DatatroveFilter(DropFilter):
    """Runs one of datatrove's own filters, recording its drops under ``<prefix>.<datatrove's reason>``.

    ``inner`` is the filter, or a function of no arguments that returns it, called on the worker at the first
    document (for a filter that is costly to load: it is then loaded where it runs, never pickled loaded).
    ``requires`` names a metadata key the filter cannot work without (the URL filter needs ``url``): documents
    lacking it pass unjudged and are counted as ``skipped_no_<key>``. With ``keep_text``, only the filter's verdict
    counts: a document it keeps keeps its text as it came, whatever the filter did to it.
    """

    def __init__(
        self,
        inner: BaseFilter | Callable[[], BaseFilter],
        prefix: str,
        requires: str | None = None,
        explain: Callable[[str, str], list[TextEdit] | None] | None = None,
        name: str | None = None,
        keep_text: bool = False,
    ):
        self.name = f"{prefix} ({name or inner.name})"  # before PipelineStep.__init__, which names the stats after it
        super().__init__()
        self.inner = inner
        self.prefix = prefix
        self.requires = requires
        self.default_reason = prefix
        self.explain = explain
        self.keep_text = keep_text

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        if self.requires and not doc.metadata.get(self.requires):
            self.stat_update(f"skipped_no_{self.requires}")
            return True
        if not isinstance(self.inner, BaseFilter):
            self.inner = self.inner()
        before = doc.text
        keep, reason = get_filter_result(self.inner.filter(doc))
        if keep:
            if self.keep_text:
                doc.text = before
            elif doc.text != before:
                self._account(doc, before)
            return True
        return False, namespaced(self.prefix, reason)

    def _account(self, doc: Document, before: str) -> None:
        """The inner filter changed the text of a document it keeps: note what went, per rule when ``explain`` (a
        function of the text before and after) can say, else as a line diff under ``<prefix>.lines``."""
        edits = self.explain(before, doc.text) if self.explain is not None else None
        for edit in edits if edits is not None else removed_lines(f"{self.prefix}.lines", before, doc.text):
            self.note_edit(doc, edit)


def namespaced(prefix: str, reason: str | None) -> str:
    """A filter's drop reason under its filter's name (``c4.lorem_ipsum``); datatrove's reasons that are already
    namespaced (``gopher_short_doc``) stay as they are."""
    if not reason:
        return prefix
    family = prefix.split("_")[0] + "_"
    return reason if reason.startswith(family) else f"{prefix}.{reason}"


class KeepWriter(JsonlWriter):
    """Writes the documents a stage keeps to ``<folder>/<rank>.jsonl.gz`` and counts them.

    It stamps provenance into each document's metadata (``curate_stage``, ``curate_run``), and, as the last step of
    the stage, closes the stage's :class:`Rejects` and :class:`Edits` once the task's input is exhausted. A document
    whose text the stage's edits left empty is dropped as ``empty`` (the reason the input reader gives an empty
    record): the next stage's reader, datatrove's ``JsonlReader``, would skip it without a trace.
    """

    name = "💾 keep"

    def __init__(self, folder: str, rejects: Rejects | None = None, stage: str = "", run_id: str = "",
                 edits: Edits | None = None):
        super().__init__(str(folder), output_filename=KEPT_FILENAME)
        self.rejects = rejects
        self.edits = edits
        self.stage = stage
        self.run_id = run_id

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        try:
            with self:
                for doc in data:
                    if not doc.text:
                        if self.rejects is not None:
                            self.rejects.reject(self, doc, EMPTY, rank)
                        continue
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
            for sink in (self.rejects, self.edits):
                if sink is not None:
                    sink.close()
