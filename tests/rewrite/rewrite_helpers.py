"""Helpers shared by the rewrite and plurality tests: real pages, running the stage, reading its output."""

from __future__ import annotations

import gzip
from pathlib import Path

from tests.helpers import read_jsonl_gz, run_pipeline  # noqa: F401  (re-exported for the tests)

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
    """Run the rewrite stage through the real driver (datatrove's LocalPipelineExecutor); returns its funnel."""
    data = {"name": "t", "output": str(output), "input": {"paths": [str(p) for p in inputs], "format": fmt},
            "executor": {"tasks": tasks}, "rewrite": block}
    return run_pipeline(data)[0]
