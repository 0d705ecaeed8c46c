"""What a trainer reads from a mixture: a Megatron-LM ``--data-path`` blend, a per-file sampling plan, a chart.

Megatron-LM's ``--data-path`` takes ``weight prefix`` pairs, where a prefix names the ``.bin``/``.idx`` pair that
``tools/preprocess_data.py --output-prefix P --json-keys text`` writes as ``P_text_document``. We list one pair per
file, weighted by the source's weight times the file's share of the source's tokens, so Megatron samples every file
in proportion to the plan.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from curate.mixture.manifest import MixturePlan
from curate.mixture.sources import DOCUMENT_SUFFIXES


def sampling_table(plan: MixturePlan, files: pl.DataFrame, roots: dict[str, str | None]) -> pl.DataFrame:
    """Per file: its source's weight and epochs, and the tokens to draw from it (tokens x epochs)."""
    weights = pl.DataFrame({"source": list(plan.weights), "weight": list(plan.weights.values()),
                            "epochs": [plan.epochs[n] for n in plan.weights]},
                           schema={"source": pl.String, "weight": pl.Float64, "epochs": pl.Float64})
    folders = {source: root for source, root in roots.items() if root and Path(root).is_dir()}  # not single files
    relative = [_relative(path, folders.get(source)) for source, path in files.select("source", "path").iter_rows()]
    return files.with_columns(relative=pl.Series(relative, dtype=pl.String)).join(
        weights, on="source", how="inner"
    ).with_columns(
        planned_tokens=(pl.col("tokens") * pl.col("epochs").fill_null(0)).round(0).cast(pl.Int64),
        blend_weight=pl.col("weight") * pl.col("tokens") / pl.col("tokens").sum().over("source"),
    ).sort("source", "path")


def _relative(path: str, folder: str | None) -> str:
    return str(Path(path).relative_to(folder)) if folder else Path(path).name


def _stem(relative: str) -> str:
    for ext in DOCUMENT_SUFFIXES:
        if relative.endswith(ext):
            return relative[: -len(ext)]
    return relative


def write_megatron_blend(table: pl.DataFrame, prefix_root: str, path: Path) -> Path:
    """``weight prefix`` per line; pass the pairs to ``--data-path`` (e.g. ``--data-path $(cat FILE)``)."""
    lines = []
    for source, relative, weight in table.filter(pl.col("tokens") > 0).select("source", "relative",
                                                                                "blend_weight").iter_rows():
        if weight and weight > 0:
            lines.append(f"{weight:.12g} {prefix_root.rstrip('/')}/{source}/{_stem(relative)}_text_document")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n" if lines else "", encoding="utf-8")
    return path


def write_sampling_plan(table: pl.DataFrame, plan: MixturePlan, path: Path) -> Path:
    """A tab-separated plan, one line per file: how many of its tokens to draw (epochs over it) for the budget."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = (f"# sampling plan for a budget of {plan.budget} tokens: draw planned_tokens from each file "
              "(= tokens x epochs of its source)\n")
    body = table.select("source", "path", "sha256", "documents", "tokens", "weight", "epochs",
                        "planned_tokens").write_csv(separator="\t", float_precision=6)
    path.write_text(header + body, encoding="utf-8")
    return path


def write_chart(plan: MixturePlan, max_epochs: float, path: Path) -> Path:
    """A PNG: unique and planned tokens per source (log scale), and epochs per source against the ceiling."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(plan.weights)
    unique = [max(plan.tokens[n], 0) for n in names]
    planned = [plan.weights[n] * plan.budget for n in names]
    epochs = [plan.epochs[n] or 0.0 for n in names]
    ys = range(len(names))
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 1.2 + 0.6 * len(names)), sharey=True)
    left.barh([y - 0.2 for y in ys], unique, height=0.4, label="unique tokens")
    left.barh([y + 0.2 for y in ys], planned, height=0.4, label="planned tokens (weight x budget)")
    if any(v > 0 for v in unique + planned):
        left.set_xscale("log")
    left.set_yticks(list(ys), names)
    left.invert_yaxis()
    left.set_xlabel("tokens")
    left.legend(loc="best", fontsize=8)
    right.barh(list(ys), epochs, color=["tab:red" if e > max_epochs else "tab:green" for e in epochs])
    right.axvline(max_epochs, color="tab:red", linestyle="--", linewidth=1, label=f"max_epochs {max_epochs:g}")
    for y, e, n in zip(ys, epochs, names):
        right.text(e, y, f" {e:.1f}" if plan.epochs[n] is not None else " no tokens", va="center", fontsize=8)
    right.set_xlim(0, 1.2 * max(epochs + [max_epochs]))
    right.set_xlabel("epochs (weight x budget / unique tokens)")
    right.legend(loc="best", fontsize=8)
    fig.suptitle(f"mixture for a budget of {plan.budget:,} tokens")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:  # a local file or an object (remote output)
        fig.savefig(fh, format="png", dpi=110)
    plt.close(fig)
    return path
