"""Fixtures for the rewrite and plurality tests: a real llama.cpp server and a few real extracted pages."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from curate.llm import LlamaServer

# real English pages from trafilatura's evaluation set (../shared/data/trafilatura-eval), cut to keep LLM time small
PAGES = {"verge-ios13": "theverge.com.ios13.html", "lemire-json": "lemire.me.json.html",
         "jarman-garden": "nextkabinett.wordpress.com.garden.html"}
PAGE_CHARS = 700


@pytest.fixture(scope="session")
def llm_server(tmp_path_factory):
    """One llama.cpp server on loopback for the session's rewrite/plurality tests; always stopped at the end."""
    with LlamaServer(log_path=tmp_path_factory.mktemp("llama") / "server.log") as server:
        yield server


def _cut(text: str, limit: int) -> str:
    text = text[:limit]
    return text[: text.rfind(".") + 1] or text


@pytest.fixture(scope="session")
def pages(shared_data, tmp_path_factory) -> Path:
    """A JSONL file of three real pages (extracted with trafilatura), each with an edu_score of 4."""
    import trafilatura

    out = tmp_path_factory.mktemp("pages") / "pages.jsonl"
    with out.open("w") as f:
        for doc_id, name in PAGES.items():
            html = gzip.decompress((shared_data / "trafilatura-eval" / "html" / f"{name}.gz").read_bytes())
            text = _cut(trafilatura.extract(html.decode("utf-8", "replace")), PAGE_CHARS)
            f.write(json.dumps({"id": doc_id, "text": text, "edu_score": 4.0, "language": "en"}) + "\n")
    return out


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
