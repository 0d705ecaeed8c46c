"""The run page: a :class:`~curate.report.page.collect.RunView` rendered into one self-contained HTML file.

The page is a Jinja2 template (``curate/report/templates/run.html``, autoescaped, so document text can never inject
markup) with its CSS inline, charts as inline SVG, the mixture stage's PNG chart as a data URI, and no script: the
sample documents open and close as ``<details>`` elements. Nothing on it refers to a resource outside the file
except the link to the contamination audit page beside it.
"""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

import yaml
from jinja2 import Environment, PackageLoader
from markupsafe import Markup

from curate.report.contamination import HTML_NAME as CONTAMINATION_HTML
from curate.report.page import charts
from curate.report.page.collect import RunView
from curate.report.page.docs import SCAN_LIMIT
from curate.report.page.settings import environment, score_thresholds

PAGE_NAME = "index.html"


def _when(ts: float | None) -> str:
    if not ts:
        return "unknown"
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _env() -> Environment:
    env = Environment(loader=PackageLoader("curate.report", "templates"), autoescape=True, trim_blocks=True,
                      lstrip_blocks=True)
    env.filters["bytes"] = charts.human_bytes
    env.filters["num"] = lambda n: f"{n:,}" if isinstance(n, int) else f"{n:,.2f}"
    env.filters["pct"] = lambda part, whole: f"{100 * part / whole:.1f}%" if whole else ""
    return env


def _funnel_charts(view: RunView) -> dict:
    entries = [s.funnel for s in view.stages if s.funnel is not None]
    if not entries:
        return {}
    reasons = charts.reasons(entries)
    return {"chart": Markup(charts.funnel(entries)), "reasons": Markup(reasons) if reasons else None}


def _scores(view: RunView, config: dict | None) -> list[dict]:
    thresholds = score_thresholds(config)
    return [{"name": name, "threshold": thresholds.get(name),
             "chart": Markup(charts.histogram(name, values, thresholds.get(name)))}
            for name, values in view.scores.items() if values]


def _mixture(view: RunView) -> dict | None:
    manifest = view.reports.get("manifest")
    if manifest is None:
        return None
    budget = manifest["budget"]
    rows = [{"source": name, "weight": s["weight"], "documents": s["documents"], "tokens": s["unique_tokens"],
             "planned": round(s["weight"] * budget), "epochs": s["epochs"]} for name, s in manifest["sources"].items()]
    png = view.output / "report" / "mixture.png"
    chart = f"data:image/png;base64,{base64.b64encode(png.read_bytes()).decode()}" if png.is_file() else None
    text = view.output / "report" / "mixture.txt"
    warnings = [line for line in text.read_text().splitlines() if line.startswith("warning:")] if text.is_file() else []
    return {"manifest": manifest, "rows": rows, "chart": chart, "warnings": warnings}


def render(view: RunView) -> str:
    """The whole page as one string."""
    settings = view.settings or {}
    config = settings.get("config")
    env_now = None if settings else environment()
    dedup = view.reports.get("dedup")
    context = {
        "view": view, "record": view.record, "started": _when(view.record.get("started")),
        "built": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "funnel": _funnel_charts(view),
        "scores": _scores(view, config), "scan_limit": SCAN_LIMIT,
        "languages": Markup(charts.languages(view.languages)) if view.languages else None,
        "dedup": dedup,
        "clusters": Markup(charts.cluster_sizes(dedup["cluster_sizes"])) if dedup else None,
        "contamination": view.reports.get("contamination"),
        "contamination_page": CONTAMINATION_HTML if (view.output / "report" / CONTAMINATION_HTML).is_file() else None,
        "mixture": _mixture(view),
        "settings": settings, "env": settings or env_now,
        "config_yaml": yaml.safe_dump(config, sort_keys=False) if config else None,
        "problems": (view.reports.get("input_problems") or {}).get("counts") or {},
    }
    return _env().get_template("run.html").render(**context)


def write_page(view: RunView) -> Path:
    """Write ``<output>/report/index.html`` and return its path."""
    path = view.output / "report" / PAGE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(view), encoding="utf-8")
    return path
