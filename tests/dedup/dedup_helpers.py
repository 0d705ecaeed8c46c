"""Helpers for the dedup tests: a plain-Python shingle reference, JSONL files, and a runner for the stage."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

from curate.config import parse_config
from curate.pipeline import execute, plan_run


def word_shingles(text: str, n: int = 5) -> set[tuple[str, ...]]:
    """Reference word n-grams (plain Python, independent of the vectorized code)."""
    words = re.findall(r"\w+", text.lower())
    if not words:
        return set()
    return {tuple(words[i : i + n]) for i in range(max(1, len(words) - n + 1))}


def jaccard(a: str, b: str) -> float:
    sa, sb = word_shingles(a), word_shingles(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0


def write_jsonl(folder: Path, name: str, docs: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    with gzip.open(path, "wt", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    return path


def read_jsonl(paths) -> list[dict]:
    docs = []
    for p in sorted(paths):
        with gzip.open(p, "rt", encoding="utf-8") as f:
            docs.extend(json.loads(line) for line in f)
    return docs


def run_dedup(inputs: Path, output: Path, tasks: int = 2, **block) -> dict:
    """Run the dedup stage alone through the real driver (LocalPipelineExecutor, ``tasks`` shards).

    Returns kept documents by id, rejected documents by id, and the dedup report.
    """
    cfg = parse_config(
        {
            "name": "dedup-test",
            "output": str(output),
            "input": {"paths": [str(inputs)], "format": "jsonl"},
            "executor": {"kind": "local", "tasks": tasks, "workers": 1},
            "dedup": block,
        }
    )
    funnels = execute(cfg, plan_run(cfg), echo=lambda *_: None)
    kept = {d["id"]: d for d in read_jsonl((output / "dedup").glob("*.jsonl.gz"))}
    rejected = {d["id"]: d for d in read_jsonl((output / "dedup" / "rejected").glob("*/*.jsonl.gz"))}
    report = json.loads((output / "report" / "dedup.json").read_text())
    return {"kept": kept, "rejected": rejected, "report": report, "funnel": funnels[0]}
