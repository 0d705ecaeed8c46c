"""The funnel: per stage, documents and bytes in, kept, dropped per reason, and text edits per rule.

It is computed from datatrove's per-task stats files (``logs/<group>/stats/<rank>.json``), summing the ``funnel_*``
counters that :mod:`curate.accounting` records, so it works the same for local, Slurm and Ray runs and never
re-reads the data. Written to ``<out>/report/funnel.json`` and printed as a table. A stage's ``edits`` maps each
rule that removed text from documents the stage kept to ``{"docs", "lines", "chars"}`` (empty when nothing was
edited; the removed lines themselves are in ``<out>/<stage>/edits/<rule>/``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from curate.accounting import (
    STAT_DROPPED,
    STAT_DROPPED_BYTES,
    STAT_EDIT_CHARS,
    STAT_EDIT_DOCS,
    STAT_EDIT_LINES,
    STAT_IN,
    STAT_IN_BYTES,
    STAT_KEPT,
    STAT_KEPT_BYTES,
)


@dataclass
class StageFunnel:
    stage: str
    docs_in: int = 0
    bytes_in: int = 0
    kept: int = 0
    kept_bytes: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    dropped_bytes: dict[str, int] = field(default_factory=dict)
    edits: dict[str, dict[str, int]] = field(default_factory=dict)  # rule -> {"docs", "lines", "chars"}
    tasks_with_stats: int = 0
    extra: dict = field(default_factory=dict)  # a stage's own summary (dedup: its duplicates)

    @property
    def dropped_total(self) -> int:
        return sum(self.dropped.values())

    @property
    def unaccounted(self) -> int:
        """Documents that entered but were neither kept nor dropped (0 for a complete, correct run)."""
        return self.docs_in - self.kept - self.dropped_total


def _total(value) -> int:
    if isinstance(value, dict):
        return int(value.get("total", 0))
    return int(value or 0)


def stage_funnel(stage: str, log_dirs: list[Path]) -> StageFunnel:
    """Sum the funnel counters of every task in ``log_dirs`` (the stage's accounted step group). A stats file that
    is not whole JSON (its task was killed while writing it, so it has no completion marker either) is left out."""
    f = StageFunnel(stage)
    for log_dir in log_dirs:
        for stats_file in sorted((log_dir / "stats").glob("*.json")):
            try:
                steps = json.loads(stats_file.read_text())
            except ValueError:
                continue
            f.tasks_with_stats += 1
            for step in steps:
                for key, value in (step.get("stats") or {}).items():
                    _add(f, key, _total(value))
    return f


_EDIT_KEYS = ((STAT_EDIT_DOCS, "docs"), (STAT_EDIT_LINES, "lines"), (STAT_EDIT_CHARS, "chars"))


def _add(f: StageFunnel, key: str, n: int) -> None:
    for prefix, field_name in _EDIT_KEYS:
        if key.startswith(prefix):
            counts = f.edits.setdefault(key[len(prefix):], {"docs": 0, "lines": 0, "chars": 0})
            counts[field_name] += n
            return
    if key == STAT_IN:
        f.docs_in += n
    elif key == STAT_IN_BYTES:
        f.bytes_in += n
    elif key == STAT_KEPT:
        f.kept += n
    elif key == STAT_KEPT_BYTES:
        f.kept_bytes += n
    elif key.startswith(STAT_DROPPED_BYTES):
        reason = key[len(STAT_DROPPED_BYTES):]
        f.dropped_bytes[reason] = f.dropped_bytes.get(reason, 0) + n
    elif key.startswith(STAT_DROPPED):
        reason = key[len(STAT_DROPPED):]
        f.dropped[reason] = f.dropped.get(reason, 0) + n


def to_json(funnels: list[StageFunnel]) -> dict:
    stages = []
    for f in funnels:
        d = asdict(f)
        d["dropped_total"] = f.dropped_total
        d["unaccounted"] = f.unaccounted
        stages.append(d)
    return {"stages": stages}


def write_funnel(funnels: list[StageFunnel], report_dir: Path, order: list[str]) -> Path:
    """Write (or update, keeping other stages' entries) ``report/funnel.json``, stages in ``order``."""
    report_dir.mkdir(parents=True, exist_ok=True)
    path = report_dir / "funnel.json"
    existing = {}
    if path.is_file():
        existing = {s["stage"]: s for s in json.loads(path.read_text()).get("stages", [])}
    for s in to_json(funnels)["stages"]:
        existing[s["stage"]] = s
    rank = {name: i for i, name in enumerate(order)}
    ordered = sorted(existing.values(), key=lambda s: rank.get(s["stage"], len(rank)))
    path.write_text(json.dumps({"stages": ordered}, indent=2))
    return path


def human_bytes(n: float) -> str:
    """``1234567`` → ``1.2 MB`` (decimal units)."""
    unit = "B"
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            break
        n /= 1000
    return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
