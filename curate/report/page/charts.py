"""The run page's charts, drawn with matplotlib and inlined as SVG (text stays text; nothing is fetched)."""

from __future__ import annotations

import io
import re

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import EngFormatter

KEPT, DROPPED, IN = "#2e8b57", "#c0504d", "#9aa3b2"
_PALETTE = matplotlib.colormaps["tab10"].colors
_SVG_START = re.compile(r"^.*?(?=<svg)", re.DOTALL)
_human = EngFormatter(sep="")  # 1200 -> "1.2k"
human_bytes = EngFormatter(unit="B", places=1)  # 33024926 -> "33.0 MB"


def to_svg(fig) -> str:
    """The figure as an ``<svg>`` element to put straight into HTML (no XML prolog, no metadata)."""
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    return _SVG_START.sub("", buf.getvalue(), count=1)


def funnel(stages: list[dict]) -> str:
    """Per stage: documents kept and dropped (they add up to what came in), and bytes in and kept on a log scale
    (extract's input is the raw records, markup and all, orders of magnitude above the text it keeps)."""
    names = [s["stage"] for s in stages][::-1]
    ys = np.arange(len(names))
    fig = Figure(figsize=(11, 0.55 * len(names) + 1.1), layout="tight")
    docs, size = fig.subplots(1, 2, sharey=True)
    docs_in = np.array([s["docs_in"] for s in stages][::-1], dtype=float)
    kept = np.minimum(np.array([s["kept"] for s in stages][::-1], dtype=float), docs_in)
    docs.barh(ys, kept, color=KEPT, label="kept")
    docs.barh(ys, docs_in - kept, left=kept, color=DROPPED, label="dropped")
    for y, n in zip(ys, docs_in):
        docs.text(n, y, f" {n:,.0f} in", va="center", fontsize=8)
    docs.set_xlim(0, max(1.0, docs_in.max()) * 1.2)
    docs.set_xlabel("documents")
    bytes_in = np.array([s["bytes_in"] for s in stages][::-1], dtype=float)
    bytes_kept = np.array([s["kept_bytes"] for s in stages][::-1], dtype=float)
    size.barh(ys + 0.2, bytes_in, height=0.4, color=IN, label="in")
    size.barh(ys - 0.2, bytes_kept, height=0.4, color=KEPT, label="kept")
    for y, n_in, n_kept in zip(ys, bytes_in, bytes_kept):
        size.text(max(n_in, 1), y + 0.2, f" {human_bytes(n_in)}", va="center", fontsize=7)
        size.text(max(n_kept, 1), y - 0.2, f" {human_bytes(n_kept)}", va="center", fontsize=7)
    if bytes_in.max() > 0:
        size.set_xscale("log")
        size.set_xlim(right=bytes_in.max() * 30)
    size.set_xlabel("bytes (log scale)")
    size.xaxis.set_major_formatter(_human)
    docs.set_yticks(ys, names)
    for ax in (docs, size):
        ax.spines[["top", "right"]].set_visible(False)
        ax.legend(loc="lower right", fontsize=8, frameon=False)
    return to_svg(fig)


def reasons(stages: list[dict]) -> str | None:
    """Every drop reason of every stage, largest first, coloured by stage; None when nothing was dropped."""
    rows = [(f"{s['stage']}: {r}", n, i) for i, s in enumerate(stages) for r, n in s["dropped"].items()]
    if not rows:
        return None
    rows.sort(key=lambda r: r[1])
    fig = Figure(figsize=(11, 0.28 * len(rows) + 0.9), layout="tight")
    ax = fig.subplots()
    ax.barh([r[0] for r in rows], [r[1] for r in rows], color=[_PALETTE[r[2] % 10] for r in rows])
    for y, (_, n, _) in enumerate(rows):
        ax.text(n, y, f" {n:,}", va="center", fontsize=8)
    ax.set_xlabel("documents dropped")
    ax.tick_params(axis="y", labelsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return to_svg(fig)


def histogram(name: str, values: list[float], threshold: float | None) -> str:
    """A classifier's score distribution, with its keep threshold as a dashed line when it has one."""
    fig = Figure(figsize=(5.2, 2.6), layout="tight")
    ax = fig.subplots()
    ax.hist(values, bins=40, color="#4c72b0")
    if threshold is not None:
        ax.axvline(threshold, color=DROPPED, linestyle="--", linewidth=1.5, label=f"min_score {threshold:g}")
        ax.legend(fontsize=8, frameon=False)
    ax.set_title(f"{name}_score ({len(values):,} documents)", fontsize=10)
    ax.set_ylabel("documents")
    ax.spines[["top", "right"]].set_visible(False)
    return to_svg(fig)


def languages(counts: dict[str, dict[str, int]], top: int = 25) -> str:
    """Documents per language, kept and dropped by extract, for the ``top`` most frequent languages."""
    shown = list(counts.items())[:top][::-1]
    names = [lang for lang, _ in shown]
    kept = np.array([c["kept"] for _, c in shown])
    dropped = np.array([c["dropped"] for _, c in shown])
    fig = Figure(figsize=(7, 0.26 * len(names) + 0.9), layout="tight")
    ax = fig.subplots()
    ax.barh(names, kept, color=KEPT, label="kept")
    ax.barh(names, dropped, left=kept, color=DROPPED, label="dropped")
    ax.set_xlabel("documents")
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return to_svg(fig)


def cluster_sizes(sizes: dict[str, int]) -> str:
    """How many duplicate clusters of each size dedup found (a cluster keeps one document, drops the others)."""
    fig = Figure(figsize=(7, 2.4), layout="tight")
    ax = fig.subplots()
    bars = ax.bar(list(sizes), list(sizes.values()), color="#8172b2")
    ax.bar_label(bars, fontsize=8)
    ax.set_xlabel("documents in the cluster")
    ax.set_ylabel("clusters")
    ax.spines[["top", "right"]].set_visible(False)
    return to_svg(fig)
