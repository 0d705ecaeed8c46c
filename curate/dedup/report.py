"""The duplicates report: ``<out>/report/dedup.json`` and the summary printed at the end of the stage."""

from __future__ import annotations

import json
from pathlib import Path

from curate.dedup.config import DedupConfig
from curate.dedup.layout import REASON_EXACT, REASON_NEAR, WorkDir
from curate.dedup.minhash import candidate_probability


def build_report(work: WorkDir, cfg: DedupConfig) -> dict:
    """The cluster step's summary plus the parameters that produced it."""
    bands, rows = cfg.lsh_params()
    summary = json.loads(work.summary.read_text())
    summary["parameters"] = {
        "threshold": cfg.threshold,
        "ngram": cfg.ngram,
        "num_perm": cfg.num_perm,
        "bands": bands,
        "rows": rows,
        "verify": cfg.verify,
        "keep": cfg.keep,
        "candidate_probability": {
            f"{s:.2f}": round(candidate_probability(s, bands, rows), 4) for s in (0.5, 0.7, cfg.threshold, 0.9)
        },
    }
    return summary


def render(report: dict) -> str:
    """Two lines for the terminal: the clusters with their size histogram, exact vs near removals."""
    p = report["parameters"]
    removed = report["removed"]
    sizes = [f"{k}: {v}" for k, v in report["cluster_sizes"].items() if v]
    lines = [
        f"dedup: {report['documents']} documents, {report['clusters']} duplicate clusters "
        f"({report['documents_in_clusters']} documents; sizes {', '.join(sizes) or 'none'})",
        f"  removed: {removed[REASON_EXACT]} exact duplicates, {removed[REASON_NEAR]} near-duplicates "
        f"(Jaccard >= {p['threshold']} on word {p['ngram']}-grams; {p['bands']} bands x {p['rows']} rows"
        f"{', verified' if p['verify'] else ''})",
    ]
    if report["documents_without_words"]:
        lines.append(f"  {report['documents_without_words']} documents without words were kept as they are")
    return "\n".join(lines)


def write_report(report: dict, report_dir: Path) -> Path:
    """Save ``report`` (from :func:`build_report`) as ``<report_dir>/dedup.json``."""
    report_dir.mkdir(parents=True, exist_ok=True)
    path = report_dir / "dedup.json"
    path.write_text(json.dumps(report, indent=2))
    return path
