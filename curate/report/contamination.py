"""The contamination audit: ``report/contamination.jsonl``, ``contamination_summary.json`` and a one-file HTML page.

The JSONL has one row per document–item hit (document id and url, benchmark, item id, verdict, the unit that
matched — stem, stem+answer, item, option, answer or solution —, 13-gram matches, 7-gram ratio, matched character
spans, an excerpt of the document around them, the item's parts). The summary
counts, per benchmark, the items hit, the documents hit and the share of the benchmark seen. The HTML page is
self-contained (inline CSS, inline SVG chart, a few lines of inline JS to filter; no external resource of any kind)
and shows each hit's passage with the matched spans highlighted beside the benchmark item.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from pathlib import Path

from curate.errors import CurateError

JSONL_NAME = "contamination.jsonl"
SUMMARY_NAME = "contamination_summary.json"
HTML_NAME = "contamination.html"
HTML_MAX_HITS = 2000
_TEMPLATE = Path(__file__).parent / "templates" / "contamination.html"
_ORDER = {"contaminated": 0, "partial": 1, "fuzzy": 2}


def read_rows(path: str | Path) -> list[dict]:
    """All rows of every ``*.jsonl`` file at ``path`` (a file or a folder of per-rank files)."""
    path = Path(path)
    files = [path] if path.is_file() else sorted(path.glob("*.jsonl"))
    rows = []
    for file in files:
        with file.open(encoding="utf-8") as fh:
            rows.extend(json.loads(line) for line in fh if line.strip())
    return rows


def summarize(rows: list[dict], totals: dict[str, int]) -> list[dict]:
    """Per benchmark: items in it, items hit (any verdict and contaminated only), documents hit per verdict, and hits
    per matched unit."""
    out = []
    for bench in sorted(set(totals) | {r["benchmark"] for r in rows}):
        mine = [r for r in rows if r["benchmark"] == bench]
        items_hit = {r["item_id"] for r in mine}
        total = totals.get(bench, 0)
        out.append({
            "benchmark": bench,
            "items": total,
            "items_hit": len(items_hit),
            "items_contaminated": len({r["item_id"] for r in mine if r["verdict"] == "contaminated"}),
            "docs_hit": len({r["doc_id"] for r in mine}),
            "docs_contaminated": len({r["doc_id"] for r in mine if r["verdict"] == "contaminated"}),
            "docs_partial": len({r["doc_id"] for r in mine if r["verdict"] == "partial"}),
            "docs_fuzzy": len({r["doc_id"] for r in mine if r["verdict"] == "fuzzy"}),
            "pct_seen": round(100.0 * len(items_hit) / total, 2) if total else 0.0,
            "units": dict(Counter(r["unit"] for r in mine if r.get("unit")).most_common()),
        })
    return out


def render_text(summary: list[dict], hits_only: bool = False) -> str:
    """The summary as a plain-text table (what ``curate decontam audit`` prints); with ``hits_only`` the benchmarks
    nothing matched are named on one line under it instead of a row each (the run's console)."""
    clean = [row for row in summary if hits_only and not row["items_hit"]]
    summary = [row for row in summary if row not in clean]
    cols = [("benchmark", "benchmark"), ("items", "items"), ("items_hit", "items hit"),
            ("items_contaminated", "contaminated"), ("docs_hit", "docs hit"), ("docs_partial", "docs partial"),
            ("docs_fuzzy", "docs fuzzy"), ("pct_seen", "% seen")]
    table = [[label for _, label in cols]] + [[str(row[key]) for key, _ in cols] for row in summary]
    widths = [max(len(r[i]) for r in table) for i in range(len(cols))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
             for r in table]
    if clean:
        lines.append("no hits in " + ", ".join(f"{row['benchmark']} ({row['items']} items)" for row in clean))
    return "\n".join([lines[0], "-" * len(lines[0]), *lines[1:]])


def _table_html(summary: list[dict]) -> str:
    head = ("<tr><th>benchmark</th><th>items</th><th>items hit</th><th>contaminated items</th><th>documents hit"
            "</th><th>contaminated docs</th><th>partial docs</th><th>fuzzy docs</th><th>% of benchmark seen</th>"
            "<th>hits by matched unit</th></tr>")
    body = "".join(
        f"<tr><td>{html.escape(r['benchmark'])}</td><td>{r['items']}</td><td>{r['items_hit']}</td>"
        f"<td>{r['items_contaminated']}</td><td>{r['docs_hit']}</td><td>{r['docs_contaminated']}</td>"
        f"<td>{r['docs_partial']}</td><td>{r['docs_fuzzy']}</td><td>{r['pct_seen']:.2f}%</td>"
        f"<td>{html.escape(', '.join(f'{u} {n}' for u, n in r.get('units', {}).items()))}</td></tr>"
        for r in summary)
    return f"<table>{head}{body}</table>"


def _chart_svg(summary: list[dict]) -> str:
    """Horizontal bars: % of each benchmark's items hit (contaminated part darker), scaled to the largest bar."""
    bar_h, gap, left, width = 20, 8, 130, 560
    top = max([r["pct_seen"] for r in summary] + [1e-9])
    parts = []
    for i, r in enumerate(summary):
        y = i * (bar_h + gap)
        total = max(r["items"], 1)
        w_all = width * r["pct_seen"] / top
        w_cont = width * (100.0 * r["items_contaminated"] / total) / top
        parts.append(
            f'<text class="bar-label" x="{left - 8}" y="{y + 14}" text-anchor="end">{html.escape(r["benchmark"])}'
            f'</text><rect x="{left}" y="{y}" width="{w_all:.1f}" height="{bar_h}" fill="#f5b041"/>'
            f'<rect x="{left}" y="{y}" width="{w_cont:.1f}" height="{bar_h}" fill="#c0392b"/>'
            f'<text class="bar-label" x="{left + w_all + 6:.1f}" y="{y + 14}">{r["pct_seen"]:.2f}%</text>')
    height = max(1, len(summary)) * (bar_h + gap)
    legend = (f'<rect x="{left}" y="{height + 4}" width="12" height="12" fill="#c0392b"/>'
              f'<text class="bar-label" x="{left + 18}" y="{height + 14}">contaminated items</text>'
              f'<rect x="{left + 160}" y="{height + 4}" width="12" height="12" fill="#f5b041"/>'
              f'<text class="bar-label" x="{left + 178}" y="{height + 14}">items hit (any verdict)</text>')
    return (f'<svg role="img" width="{left + width + 80}" '
            f'height="{height + 24}">{"".join(parts)}{legend}</svg>')


def highlight(text: str, spans: list[list[int]], offset: int = 0) -> str:
    """``text`` HTML-escaped, with the character ``spans`` (relative to ``offset``) wrapped in ``<mark>``."""
    out, pos = [], 0
    for start, end in sorted((max(0, s - offset), min(len(text), e - offset)) for s, e in spans):
        if end <= pos or start >= len(text):
            continue
        start = max(start, pos)
        out += [html.escape(text[pos:start]), "<mark>", html.escape(text[start:end]), "</mark>"]
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out)


UNIT_WORDS = {
    "stem": "the question (stem)", "stem+answer": "the stem with its answer beside it",
    "item": "the stem with its options", "option": "an option", "answer": "the answer", "solution": "the solution",
}


def _item_text(row: dict) -> str:
    """The benchmark item in its parts: stem, lettered options, answer, solution."""
    parts = [row["question"]]
    parts += [f"{chr(65 + i)}. {opt}" for i, opt in enumerate(row.get("options") or [])]
    if row.get("answer"):
        parts.append(f"\n— answer —\n{row['answer']}")
    if row.get("solution"):
        parts.append(f"\n— solution —\n{row['solution']}")
    return "\n".join(parts)


def _hit_html(row: dict, open_: bool) -> str:
    verdict = row["verdict"]
    if verdict == "fuzzy":
        score = f"containment {row.get('containment', 0):.2f}"
    elif row.get("short_match") and not row.get("matches_13"):
        score = "found whole, contiguous"
    else:
        score = f"{row.get('matches_13', 0)} shared 13-grams, 7-gram ratio {row.get('ratio_7', 0):.2f}"
    unit = row.get("unit")
    matched = f'<span class="unit">matched: {html.escape(UNIT_WORDS.get(unit, unit))}</span> ' if unit else ""
    where = html.escape(row.get("url") or str(row["doc_id"]))
    return (
        f'<details class="hit" data-bench="{html.escape(row["benchmark"])}" data-verdict="{verdict}"'
        f'{" open" if open_ else ""}><summary><span class="verdict v-{verdict}">{verdict}</span> '
        f'<b>{html.escape(row["benchmark"])} / {html.escape(str(row["item_id"]))}</b> in {where} {matched}'
        f'<span class="muted">({score}{", dropped" if row.get("dropped") else ""})</span></summary>'
        f'<div class="pair"><div><h3>document passage (characters {row["excerpt_offset"]}–'
        f'{row["excerpt_offset"] + len(row["excerpt"])} of {row["doc_chars"]})</h3><div class="text">'
        f'{highlight(row["excerpt"], row["spans"], row["excerpt_offset"])}</div></div>'
        f'<div><h3>benchmark item</h3><div class="text">{html.escape(_item_text(row))}</div></div></div></details>')


def render_html(rows: list[dict], summary: list[dict], subtitle: str) -> str:
    """The whole report page as one string."""
    ranked = sorted(rows, key=lambda r: (_ORDER.get(r["verdict"], 9), r["benchmark"], str(r["item_id"])))
    shown = ranked[:HTML_MAX_HITS]
    hits = "".join(_hit_html(r, i == 0) for i, r in enumerate(shown)) or '<p class="muted">No hits.</p>'
    if len(ranked) > len(shown):
        hits += f'<p class="muted">{len(shown)} of {len(ranked)} hits shown; all are in {JSONL_NAME}.</p>'
    options = "".join(f"<option>{html.escape(r['benchmark'])}</option>" for r in summary)
    page = _TEMPLATE.read_text(encoding="utf-8")
    for slot, value in (("subtitle", html.escape(subtitle)), ("table", _table_html(summary)),
                        ("chart", _chart_svg(summary)), ("bench_options", options), ("hits", hits)):
        page = page.replace(f"<!--SLOT:{slot}-->", value)
    return page


def write_reports(rows: list[dict], totals: dict[str, int], report_dir: str | Path, subtitle: str = "") -> list[dict]:
    """Write the JSONL, the summary JSON and the HTML page into ``report_dir``; returns the summary."""
    report_dir = Path(report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    rows = sorted(rows, key=lambda r: (str(r["doc_id"]), _ORDER.get(r["verdict"], 9), r["benchmark"]))
    with (report_dir / JSONL_NAME).open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    summary = summarize(rows, totals)
    (report_dir / SUMMARY_NAME).write_text(json.dumps({"totals": totals, "benchmarks": summary}, indent=2))
    (report_dir / HTML_NAME).write_text(render_html(rows, summary, subtitle), encoding="utf-8")
    return summary


def load_summary(folder: str | Path) -> list[dict]:
    """The per-benchmark summary of a run folder or its ``report/`` folder (recomputed from the JSONL)."""
    folder = Path(folder)
    report = folder if (folder / JSONL_NAME).is_file() else folder / "report"
    if not (report / JSONL_NAME).is_file():
        raise CurateError(f"no {JSONL_NAME} in {folder} or {folder}/report; run `curate decontam` first")
    totals = {}
    if (report / SUMMARY_NAME).is_file():
        totals = json.loads((report / SUMMARY_NAME).read_text()).get("totals", {})
    return summarize(read_rows(report / JSONL_NAME), totals)
