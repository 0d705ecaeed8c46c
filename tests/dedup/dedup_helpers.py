"""Helpers for the dedup tests: a plain-Python shingle reference, JSONL files, and a runner for the stage."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

from tests.helpers import kept, read_jsonl_gz, run_pipeline


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


def run_dedup(inputs: Path, output: Path, tasks: int = 2, **block) -> dict:
    """Run the dedup stage alone through the real driver (LocalPipelineExecutor, ``tasks`` shards).

    Returns kept documents by id, rejected documents by id, and the dedup report.
    """
    funnels = run_pipeline(
        {
            "name": "dedup-test",
            "output": str(output),
            "input": {"paths": [str(inputs)], "format": "jsonl"},
            "executor": {"kind": "local", "tasks": tasks, "workers": 1},
            "dedup": block,
        }
    )
    return {
        "kept": {d["id"]: d for d in kept(output, "dedup")},
        "rejected": rejected_by_id(output),
        "report": json.loads((output / "report" / "dedup.json").read_text()),
        "funnel": funnels[0],
    }


def rejected_by_id(output: Path) -> dict[str, dict]:
    """The documents the dedup stage rejected, whatever the reason, by id."""
    return {d["id"]: d for d in read_jsonl_gz(output / "dedup" / "rejected", "*/*.jsonl.gz")}
