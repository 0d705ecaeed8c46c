"""Dedup step 4 of 4: re-read each shard, drop the documents that are not their cluster's survivor.

It reads ``decisions/<rank>.jsonl`` in step with the documents (both are in reading order), so it holds one
decision at a time. A dropped document goes to ``rejected/<reason>/`` with ``duplicate_of`` (the id of its
cluster's survivor), ``dedup_cluster`` and ``dedup_cluster_size`` in its metadata; a survivor keeps the last two.
"""

from __future__ import annotations

import json

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from curate.accounting import Rejects
from curate.dedup.layout import WorkDir
from curate.errors import CurateError

CLUSTER_KEY = "dedup_cluster"
SIZE_KEY = "dedup_cluster_size"
DUPLICATE_OF_KEY = "duplicate_of"


class DedupFilter(PipelineStep):
    """Keeps one document per cluster and every document that is in no cluster."""

    name = "🧹 dedup filter"
    type = "🫂 - DEDUP"

    def __init__(self, work_dir: str):
        super().__init__()
        self.work_dir = str(work_dir)
        self.rejects: Rejects | None = None  # the stage's, given by the framework

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        work = WorkDir(self.work_dir)
        expected = len(work.doc_records(rank))
        seen = 0
        with open(work.decisions(rank), encoding="utf-8") as decisions:
            pending = _next(decisions)
            for index, doc in enumerate(data):
                seen = index + 1
                if pending is None or pending["index"] != index:
                    self.stat_update("unique")
                    yield doc
                    continue
                doc.metadata[CLUSTER_KEY] = pending["cluster"]
                doc.metadata[SIZE_KEY] = pending["size"]
                if "drop" in pending:
                    doc.metadata[DUPLICATE_OF_KEY] = pending["duplicate_of"]
                    self.rejects.reject(self, doc, pending["drop"], rank)
                else:
                    self.stat_update("cluster_survivor")
                    yield doc
                pending = _next(decisions)
        if seen != expected or pending is not None:
            raise CurateError(
                f"dedup filter task {rank} read {seen} documents but the signature step hashed {expected}: the input "
                f"changed between the steps, or the task counts differ. Delete {self.work_dir} and run again"
            )


def _next(f) -> dict | None:
    line = f.readline()
    return json.loads(line) if line else None
