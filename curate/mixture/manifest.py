"""The manifest: per source its weight, documents, unique tokens, epochs and files, as YAML and JSON.

Epochs follow Phi-4's Table 5: ``epochs = weight x budget / unique tokens`` (a 10T budget with web 15% of 1.3T
unique tokens gives 1.2 epochs). Weights that do not sum to 1 are normalised, with a warning, as Megatron-LM's
blended datasets do; a source without a weight shares what the others leave.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import yaml

from curate.errors import ConfigError

WEIGHT_TOLERANCE = 1e-6


@dataclass
class MixturePlan:
    """Weights (normalised), unique tokens and epochs per source, and the warnings found on the way."""

    budget: int
    weights: dict[str, float]
    tokens: dict[str, int]
    epochs: dict[str, float | None]
    warnings: list[str] = field(default_factory=list)


def resolve_weights(weights: dict[str, float | None]) -> tuple[dict[str, float], list[str]]:
    """Fill missing weights with an equal split of what is left, then normalise to sum 1 (warning if needed)."""
    warnings = []
    given = sum(w for w in weights.values() if w is not None)
    unweighted = [n for n, w in weights.items() if w is None]
    out = {n: float(w) for n, w in weights.items() if w is not None}
    if unweighted:
        rest = 1.0 - given if given < 1.0 - WEIGHT_TOLERANCE else 0.0
        if rest == 0.0:
            warnings.append(f"sources {', '.join(unweighted)} have no weight and the others already sum to "
                            f"{given:g}: they get weight 0")
        out.update({n: rest / len(unweighted) for n in unweighted})
    total = sum(out.values())
    if total <= 0:
        raise ConfigError(f"mixture weights are all zero ({weights}); give at least one source a positive weight")
    if abs(total - 1.0) > WEIGHT_TOLERANCE:
        warnings.append(f"weights sum to {total:g}, not 1: each was divided by {total:g}")
        out = {n: w / total for n, w in out.items()}
    return out, warnings


def plan_mixture(budget: int, weights: dict[str, float | None], tokens: dict[str, int],
                 max_epochs: float = 10.0) -> MixturePlan:
    """Epochs per source from weights, unique tokens and the budget; warns on empty sources and on epochs above
    ``max_epochs``."""
    norm, warnings = resolve_weights(weights)
    epochs: dict[str, float | None] = {}
    for name, w in norm.items():
        n = tokens.get(name, 0)
        if n <= 0:
            epochs[name] = None
            if w > 0:
                warnings.append(f"source {name} has no tokens: its weight {w:.4g} cannot be met (epochs undefined)")
            else:
                warnings.append(f"source {name} has no tokens")
            continue
        epochs[name] = w * budget / n
        if epochs[name] > max_epochs:
            warnings.append(f"source {name} would be repeated {epochs[name]:.1f} times, above max_epochs "
                            f"{max_epochs:g}: add data, lower its weight or the budget")
    return MixturePlan(budget, norm, {n: tokens.get(n, 0) for n in norm}, epochs, warnings)


def files_table(records: list[dict]) -> pl.DataFrame:
    """One row per counted file (source, path, sha256, documents, tokens), errors excluded."""
    schema = {"source": pl.String, "path": pl.String, "sha256": pl.String, "documents": pl.Int64, "tokens": pl.Int64}
    rows = [{k: r[k] for k in schema} for r in records if "error" not in r]
    return pl.DataFrame(rows, schema=schema).sort("source", "path")


def build_manifest(plan: MixturePlan, files: pl.DataFrame, tokenizer: dict, config_hash: str) -> dict:
    """The manifest mapping, with exactly the documented keys."""
    docs = dict(files.group_by("source").agg(pl.col("documents").sum()).iter_rows())
    sources = {}
    for name, weight in plan.weights.items():
        mine = files.filter(pl.col("source") == name)
        sources[name] = {
            "weight": round(weight, 10),
            "documents": int(docs.get(name, 0)),
            "unique_tokens": int(plan.tokens[name]),
            "epochs": None if plan.epochs[name] is None else round(plan.epochs[name], 6),
            "files": [{"path": p, "tokens": int(t), "sha256": s}
                      for p, t, s in mine.select("path", "tokens", "sha256").iter_rows()],
        }
    return {
        "budget": int(plan.budget),
        "tokenizer": tokenizer,
        "created": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "config_hash": config_hash,
        "git_revision": git_revision(),
        "sources": sources,
    }


def config_hash(payload: dict) -> str:
    return "sha256:" + hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def git_revision() -> str | None:
    """The commit of the curate checkout that made the manifest (``-dirty`` if tracked files changed); None when
    curate is not running from a git checkout."""
    repo = Path(__file__).resolve().parents[2]
    try:
        rev = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=10)
        if rev.returncode != 0:
            return None
        dirty = subprocess.run(["git", "-C", str(repo), "diff", "--quiet", "HEAD", "--"], timeout=30).returncode
    except (OSError, subprocess.SubprocessError):
        return None
    return rev.stdout.strip() + ("-dirty" if dirty == 1 else "")


def write_manifest(manifest: dict, output: Path) -> tuple[Path, Path]:
    """``<output>/manifest.yaml`` and ``<output>/manifest.json`` (same content)."""
    output.mkdir(parents=True, exist_ok=True)
    yaml_path, json_path = output / "manifest.yaml", output / "manifest.json"
    yaml_path.write_text(yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True), encoding="utf-8")
    json_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    return yaml_path, json_path


def summary(plan: MixturePlan, max_epochs: float) -> str:
    """A plain-text table of the mixture (what the CLI prints and report/mixture.txt holds)."""
    lines = [f"budget {plan.budget:,} tokens", f"{'source':<20} {'weight':>8} {'unique tokens':>18} {'planned':>18} "
             f"{'epochs':>8}"]
    for name, w in plan.weights.items():
        e = plan.epochs[name]
        shown = "-" if e is None else f"{e:.2f}" + (" !" if e > max_epochs else "")
        lines.append(f"{name:<20} {w:>8.4f} {plan.tokens[name]:>18,} {math.floor(w * plan.budget):>18,} {shown:>8}")
    lines.extend(f"warning: {w}" for w in plan.warnings)
    return "\n".join(lines)
