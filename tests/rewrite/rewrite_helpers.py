"""Helpers shared by the rewrite and plurality tests (imported by name: pytest puts this folder on sys.path)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

# real English pages from trafilatura's evaluation set (../shared/data/trafilatura-eval), cut to keep LLM time small
PAGES = {"verge-ios13": "theverge.com.ios13.html", "lemire-json": "lemire.me.json.html",
         "jarman-garden": "nextkabinett.wordpress.com.garden.html"}
PAGE_CHARS = 700


def extract_pages(shared_data: Path) -> dict[str, str]:
    """Page id -> main text (trafilatura), cut after the last full stop within PAGE_CHARS."""
    import trafilatura

    pages = {}
    for doc_id, name in PAGES.items():
        html = gzip.decompress((shared_data / "trafilatura-eval" / "html" / f"{name}.gz").read_bytes())
        text = trafilatura.extract(html.decode("utf-8", "replace"))[:PAGE_CHARS]
        pages[doc_id] = text[: text.rfind(".") + 1] or text
    return pages


def run_stage(output: Path, inputs: list[Path], block: dict, tasks: int = 1, fmt: str = "jsonl"):
    """Run the rewrite stage through the real driver (datatrove's LocalPipelineExecutor); returns the funnel."""
    from curate.config import parse_config
    from curate.pipeline import execute, plan_run

    cfg = parse_config({"name": "t", "output": str(output), "input": {"paths": [str(p) for p in inputs],
                        "format": fmt}, "executor": {"tasks": tasks}, "rewrite": block})
    return execute(cfg, plan_run(cfg), echo=lambda *_: None)[0]


def read_jsonl_gz(folder: Path, pattern: str = "*.jsonl.gz") -> list[dict]:
    rows = []
    for path in sorted(folder.glob(pattern)):
        with gzip.open(path, "rt") as f:
            rows.extend(json.loads(line) for line in f if line.strip())
    return rows
