"""Helpers of the scale-out tests: run the real CLI, read back what each stage kept."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from curate.stages import names
from tests.helpers import kept, rejected

REPO = Path(__file__).resolve().parents[2]
QUICKSTART = REPO / "configs" / "quickstart.yaml"
STAGES = tuple(names())


def curate(*args: str, check: bool = True, timeout: float = 3600) -> subprocess.CompletedProcess:
    """Run ``curate ARGS`` in a subprocess (the real CLI); fail the test with its output when it fails."""
    res = subprocess.run([sys.executable, "-m", "curate", *args], cwd=REPO, capture_output=True, text=True,
                         timeout=timeout)
    if check and res.returncode != 0:
        pytest.fail(f"curate {' '.join(args)} exited {res.returncode}\n{res.stdout[-4000:]}\n{res.stderr[-6000:]}")
    return res


def kept_by_stage(out: Path) -> dict[str, list[dict]]:
    """The documents each stage kept (``<out>/<stage>/*.jsonl.gz``), sorted by id, for stages that wrote any."""
    by_stage = {}
    for stage in STAGES:
        docs = kept(out, stage)
        if docs:
            by_stage[stage] = sorted(docs, key=lambda d: d["id"])
    return by_stage


def kept_ids(out: Path) -> dict[str, list[str]]:
    return {stage: [d["id"] for d in docs] for stage, docs in kept_by_stage(out).items()}


def rejected_ids(out: Path, stage: str) -> dict[str, list[str]]:
    """reason -> sorted ids of the documents a stage dropped."""
    return {reason: sorted(d["id"] for d in docs) for reason, docs in rejected(out, stage).items()}


def derived_config(path: Path, output: Path, inputs: list[Path], stages: tuple[str, ...], **executor) -> Path:
    """Write a config at ``path``: the quickstart's stage blocks (only ``stages``), reading ``inputs``."""
    from curate.config import load_config

    # the quickstart's blocks with their relative paths resolved (against the quickstart's folder)
    data = load_config(QUICKSTART).model_dump(mode="json", exclude_none=True)
    data = {k: v for k, v in data.items() if k not in STAGES or k in stages}
    # web_rewrites and synthetic default to the rewrite and plurality stages' outputs
    absent = [s for stage, s in (("rewrite", "web_rewrites"), ("plurality", "synthetic")) if stage not in data]
    if "mixture" in data and absent:
        sources = data["mixture"].get("sources", {})
        for name in absent:
            sources.pop(name, None)
        for source in sources.values():
            source.pop("weight", None)  # the remaining sources share the whole budget
    data["output"] = str(output)
    data["input"] = {"paths": [str(p) for p in inputs], "format": "auto"}
    data["executor"] = {**data.get("executor", {}), **executor}
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path
