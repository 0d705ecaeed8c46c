"""The dedup stage: four step groups, run in order (on Slurm, chained with ``--dependency``).

1. ``dedup_signatures-<fp>`` (N tasks): hash every document (:mod:`curate.dedup.signatures`);
2. ``dedup_buckets-<fp>`` (up to N tasks, one or more bands each): find and verify duplicate pairs;
3. ``dedup_clusters-<fp>`` (1 task): clusters and survivors;
4. ``dedup_filter-<fp>`` (N tasks, the same sharding as step 1): keep survivors, reject the rest. This is the
   accounted group: it reads the input again and counts documents in and out for the funnel.

``<fp>`` is :func:`fingerprint`; the intermediate files live in ``<out>/dedup/_work/<fp>/``.

Then, on the driver, ``finalize`` writes ``<out>/report/dedup.json`` and returns the duplicates summary.
"""

from __future__ import annotations

import hashlib
import json

from curate.dedup.buckets import DedupBuckets
from curate.dedup.clusters import DedupClusters
from curate.dedup.config import DedupConfig
from curate.dedup.filter import DedupFilter
from curate.dedup.layout import WorkDir, band_names
from curate.dedup.report import build_report, render, write_report
from curate.dedup.signatures import DedupSignatures
from curate.stage import StageContext, StagePlan, StepGroup


def fingerprint(cfg: DedupConfig, ctx: StageContext) -> str:
    """What the intermediate files depend on: the dedup block, the input and the number of tasks.

    It names the work folder and the step groups, so changing any of them starts over instead of resuming from
    completed tasks that no longer match (re-running the same command still resumes).
    """
    upstream = ctx.artifact(ctx.consumes) if ctx.consumes else None
    payload = {
        "dedup": cfg.model_dump(mode="json"),
        "input": str(upstream) if upstream is not None else ctx.input.model_dump(mode="json"),
        "tasks": ctx.executor.tasks,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:10]


def plan(cfg: DedupConfig, ctx: StageContext) -> StagePlan:
    fp = fingerprint(cfg, ctx)
    root = str(ctx.work_dir / fp)
    work = WorkDir(root)
    bands, _ = cfg.lsh_params()
    groups = [
        StepGroup(f"dedup_signatures-{fp}", [ctx.reader(counted=False), DedupSignatures(root, cfg)]),
        StepGroup(f"dedup_buckets-{fp}", [DedupBuckets(root, bands, cfg.threshold, cfg.verify,
                                                       cfg.max_bucket_records)],
                  tasks=min(ctx.executor.tasks, len(band_names(bands)))),
        StepGroup(f"dedup_clusters-{fp}", [DedupClusters(root, cfg.keep)], tasks=1),
        ctx.accounted([DedupFilter(root)], name=f"dedup_filter-{fp}"),
    ]

    def finalize() -> str:
        """Write report/dedup.json; the duplicates summary."""
        report = build_report(work, cfg)
        return f"{render(report)}\nduplicates report written to {write_report(report, ctx.report_dir)}"

    def duplicates() -> dict:
        """The duplicates summary of the funnel: exact vs near removals and the cluster size histogram."""
        report = build_report(work, cfg)
        keys = ("removed", "clusters", "documents_in_clusters", "largest_cluster", "cluster_sizes")
        return {"duplicates": {k: report[k] for k in keys}}

    return StagePlan(groups, finalize=finalize, funnel_extra=duplicates)
