"""The decontam stage: build the benchmark index (one task), scan every document (N tasks), write the audit.

Folders: ``<out>/decontam/_index/`` (the index, unless ``index:`` names another folder; the ``decontam_index``
artifact, which the rewrite stage uses to check its outputs), ``<out>/decontam/_work/hits/`` (per-task report rows),
``<out>/decontam/rejected/contaminated/`` (dropped documents), ``<out>/decontam/*.jsonl.gz`` (kept documents) and
``<out>/report/contamination.{jsonl,html}`` plus ``contamination_summary.json``.
"""

from __future__ import annotations

from pathlib import Path

from curate.decontam.config import DecontamConfig
from curate.decontam.index import read_meta
from curate.decontam.steps import BuildIndex, DecontamFilter
from curate.report.contamination import HTML_NAME, read_rows, render_text, write_reports
from curate.stage import StageContext, StagePlan, StepGroup


def plan(cfg: DecontamConfig, ctx: StageContext) -> StagePlan:
    idx = Path(cfg.index) if cfg.index else ctx.kept_dir / "_index"
    hits = ctx.work_dir / "hits"
    groups = [StepGroup("decontam_index", [BuildIndex(str(idx), cfg)], tasks=1, workers=1),
              ctx.accounted([DecontamFilter(str(idx), str(hits), cfg)])]

    def write_contamination_report() -> str:
        """Merge the per-task hit rows into report/contamination.{jsonl,html}; the per-benchmark summary."""
        totals = read_meta(idx)["benchmarks"]
        summary = write_reports(read_rows(hits), totals, ctx.report_dir, subtitle=f"run {ctx.run_id} · index {idx}")
        return f"{render_text(summary, hits_only=True)}\ncontamination report written to {ctx.report_dir / HTML_NAME}"

    return StagePlan(groups, finalize=write_contamination_report, artifacts={"decontam_index": idx})
