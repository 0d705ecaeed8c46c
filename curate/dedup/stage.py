"""The dedup stage: four step groups, run in order (on Slurm, chained with ``--dependency``).

1. ``dedup_signatures-<fp>`` (N tasks): hash every document (:mod:`curate.dedup.signatures`);
2. ``dedup_buckets-<fp>`` (up to N tasks, one or more bands each): find and verify duplicate pairs;
3. ``dedup_clusters-<fp>`` (1 task): clusters and survivors;
4. ``dedup_filter-<fp>`` (N tasks, the same sharding as step 1): keep survivors, reject the rest. This is the group
   that counts documents in and out for the funnel.

``<fp>`` is :func:`fingerprint`; the intermediate files live in ``<out>/dedup/_work/<fp>/``.

Then, on the driver, ``finalize`` writes ``<out>/report/dedup.json`` and prints the duplicates summary.
"""

from __future__ import annotations

import hashlib
import json

from datatrove.data import Document

from curate.accounting import CountIn, KeepWriter, Rejects
from curate.dedup.buckets import DedupBuckets
from curate.dedup.clusters import DedupClusters
from curate.dedup.config import DedupConfig
from curate.dedup.filter import DedupFilter
from curate.dedup.layout import WorkDir, band_names
from curate.dedup.signatures import DedupSignatures
from curate.stage import StageContext, StagePlan, StepGroup

STAGE = "dedup"


class _UncountedRejects(Rejects):
    """For the signature pass's reader: a record it cannot read is written and counted by the filter pass,
    which reads the same input again, so here it is only skipped."""

    def reject(self, step, doc: Document, reason: str, rank: int) -> None:
        return None


def fingerprint(cfg: DedupConfig, ctx: StageContext) -> str:
    """What the intermediate files depend on: the dedup block, the input and the number of tasks.

    It names the work folder and the step groups, so changing any of them starts over instead of resuming from
    completed tasks that no longer match (re-running the same command still resumes).
    """
    payload = {
        "dedup": cfg.model_dump(mode="json"),
        "input": ctx.input.model_dump(mode="json") if ctx.input is not None else str(ctx.upstream),
        "tasks": ctx.executor.tasks,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:10]


def plan(cfg: DedupConfig, ctx: StageContext) -> StagePlan:
    fp = fingerprint(cfg, ctx)
    work = str(ctx.output / STAGE / "_work" / fp)
    bands, _ = cfg.lsh_params()
    tasks = ctx.executor.tasks
    rejects = ctx.rejects(STAGE)
    groups = [
        StepGroup(
            f"{STAGE}_signatures-{fp}", [DedupSignatures(work, cfg, reader=ctx.reader(_UncountedRejects(work)))]
        ),
        StepGroup(
            f"{STAGE}_buckets-{fp}",
            [DedupBuckets(work, bands, cfg.threshold, cfg.verify, cfg.max_bucket_records)],
            tasks=min(tasks, len(band_names(bands))),
        ),
        StepGroup(f"{STAGE}_clusters-{fp}", [DedupClusters(work, cfg.keep)], tasks=1),
        StepGroup(
            f"{STAGE}_filter-{fp}",
            [
                ctx.reader(rejects),
                CountIn(),
                DedupFilter(work, rejects),
                KeepWriter(str(ctx.kept_dir(STAGE)), rejects, stage=STAGE, run_id=ctx.run_id),
            ],
        ),
    ]

    def finalize() -> None:
        """Write report/dedup.json and print the duplicates summary."""
        from curate.dedup.report import build_report, render, write_report

        report = build_report(WorkDir(work), cfg)
        path = write_report(report, ctx.report_dir())
        print(render(report))
        print(f"duplicates report written to {path}")

    def duplicates() -> dict:
        """The duplicates summary of the funnel: exact vs near removals and the cluster size histogram."""
        from curate.dedup.report import build_report

        report = build_report(WorkDir(work), cfg)
        keys = ("removed", "clusters", "documents_in_clusters", "largest_cluster", "cluster_sizes")
        return {"duplicates": {k: report[k] for k in keys}}

    return StagePlan(groups, finalize=finalize, funnel_extra=duplicates)
