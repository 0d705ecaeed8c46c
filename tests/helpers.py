"""Small helpers for tests: run stages through the real driver and read back what they wrote."""

from __future__ import annotations

import gzip
import json
from pathlib import Path


def run_pipeline(data: dict, stages: list[str] | None = None):
    """Validate a config mapping and run it with the real driver (LocalPipelineExecutor); returns the funnels."""
    from curate.config import parse_config
    from curate.pipeline import execute, plan_run

    cfg = parse_config(data)
    return execute(cfg, plan_run(cfg, stages), echo=lambda *_: None)


def read_jsonl_gz(folder: Path, pattern: str = "*.jsonl.gz") -> list[dict]:
    docs = []
    for path in sorted(Path(folder).glob(pattern)):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            docs.extend(json.loads(line) for line in f if line.strip())
    return docs


def kept(out: Path, stage: str) -> list[dict]:
    return read_jsonl_gz(Path(out) / stage)


def rejected(out: Path, stage: str) -> dict[str, list[dict]]:
    """reason -> dropped documents of a stage."""
    root = Path(out) / stage / "rejected"
    if not root.is_dir():
        return {}
    return {d.name: read_jsonl_gz(d) for d in sorted(root.iterdir()) if d.is_dir()}


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path
