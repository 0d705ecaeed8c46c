"""The decontam stage: build the benchmark index (one task), scan every document (N tasks), write the audit.

Folders: ``<out>/decontam/_index/`` (the index, unless ``index:`` names another folder), ``<out>/decontam/_hits/``
(per-task report rows), ``<out>/decontam/rejected/contaminated/`` (dropped documents), ``<out>/decontam/*.jsonl.gz``
(kept documents) and ``<out>/report/contamination.{jsonl,html}`` plus ``contamination_summary.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

from curate.accounting import CountIn, KeepWriter
from curate.decontam.config import DecontamConfig
from curate.decontam.steps import BuildIndex, DecontamFilter
from curate.stage import StageContext, StagePlan, StepGroup

STAGE = "decontam"


def index_dir(cfg: DecontamConfig, ctx: StageContext) -> Path:
    return Path(cfg.index) if cfg.index else ctx.kept_dir(STAGE) / "_index"


def plan(cfg: DecontamConfig, ctx: StageContext) -> StagePlan:
    idx = index_dir(cfg, ctx)
    hits = ctx.kept_dir(STAGE) / "_hits"
    rejects = ctx.rejects(STAGE)
    scan = [
        ctx.reader(rejects),
        CountIn(),
        DecontamFilter(rejects, cfg, str(idx), str(hits)),
        KeepWriter(str(ctx.kept_dir(STAGE)), rejects, stage=STAGE, run_id=ctx.run_id),
    ]
    groups = [StepGroup(f"{STAGE}_index", [BuildIndex(cfg, str(idx))], tasks=1, workers=1), StepGroup(STAGE, scan)]

    def write_contamination_report() -> None:
        """Merge the per-task hit rows into report/contamination.{jsonl,html} and print the per-benchmark summary."""
        from curate.report.contamination import HTML_NAME, read_rows, render_text, write_reports

        totals = json.loads((idx / "meta.json").read_text())["benchmarks"]
        summary = write_reports(read_rows(hits), totals, ctx.report_dir(), subtitle=f"run {ctx.run_id} · index {idx}")
        print(render_text(summary))
        print(f"contamination report written to {ctx.report_dir() / HTML_NAME}")

    return StagePlan(groups, finalize=write_contamination_report)
