"""Pick the loader for a benchmark by its kind, and parse ``NAME=PATH`` command-line specs."""

from __future__ import annotations

from pathlib import Path

from curate.benchmarks.loaders import load_arc, load_gsm8k, load_humaneval, load_math, load_mbpp, load_mmlu
from curate.benchmarks.base import BenchmarkItem, FieldMap
from curate.benchmarks.generic import load_generic
from curate.errors import CurateError

KINDS = {
    "gsm8k": load_gsm8k,
    "humaneval": load_humaneval,
    "mbpp": load_mbpp,
    "mmlu": load_mmlu,
    "math": load_math,
    "math500": load_math,
    "arc": load_arc,
}
_ALIASES = {"human-eval": "humaneval", "human_eval": "humaneval", "arc-challenge": "arc", "arc-easy": "arc",
            "math-500": "math500", "math-test": "math"}


def resolve_kind(name: str, kind: str | None) -> str:
    """The loader kind: ``kind`` if given, else the benchmark's name when it is a known kind, else ``generic``."""
    key = (kind or name).lower()
    key = _ALIASES.get(key, key)
    if key in KINDS or key == "generic":
        return key
    if kind is not None:
        raise CurateError(f"unknown benchmark kind {kind!r}; use one of: {', '.join([*KINDS, 'generic'])}")
    return "generic"


def load_benchmark(name: str, path: str | Path, kind: str | None = None,
                   fields: FieldMap | None = None) -> list[BenchmarkItem]:
    """All items of one benchmark; ``name`` labels them in reports, ``kind`` picks the format (default: by name)."""
    path = Path(path)
    resolved = resolve_kind(name, kind)
    items = load_generic(path, name, fields) if resolved == "generic" else KINDS[resolved](path, name)
    items = [it for it in items if it.question.strip()]
    if not items:
        raise CurateError(f"benchmark {name!r}: no items with a question in {path}")
    return items


def parse_benchmark_arg(spec: str) -> tuple[str, str]:
    """``NAME=PATH`` (from ``--benchmark``) → (name, path); a bare PATH is named after its file or folder."""
    if "=" in spec:
        name, path = spec.split("=", 1)
        if not name or not path:
            raise CurateError(f"--benchmark {spec!r}: expected NAME=PATH, e.g. gsm8k=data/gsm8k/test.jsonl")
        return name, path
    return Path(spec).name.split(".")[0], spec
