"""The ``score`` block of a run config."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from curate.classify.recipe import load_recipe
from curate.configbase import PathStr, StrictModel
from curate.errors import ConfigError
from curate.stagespec import Opt, StageSpec


class ClassifierRef(StrictModel):
    """One trained classifier folder and its optional keep-threshold."""

    path: PathStr = Field(description="a trained classifier folder (recipe.yaml + model/), e.g. classifiers/content")
    min_score: float | None = Field(
        None, description="drop documents whose <name>_score is below this (none: score only, drop nothing)"
    )


class ScoreConfig(StrictModel):
    """Adds ``<name>_score`` and ``<name>_int`` (and ``<name>_label`` for categorical classifiers) to metadata."""

    classifiers: list[ClassifierRef] = Field(
        min_length=1, description="classifiers to run, in order; a plain path is a classifier without threshold"
    )
    batch_size: int = Field(256, ge=1, description="documents scored together (sorted by length inside)")
    device: str = Field("auto", pattern=r"^(auto|cpu|cuda(:\d+)?)$", description="embedding classifiers: auto (CUDA when present), cpu, cuda, cuda:N")
    precision: Literal["auto", "float32", "bfloat16"] = Field(
        "auto", description="embedding classifiers' encoder: auto is bfloat16 on CUDA and on CPUs with native "
        "bfloat16 (avx512_bf16, amx_bf16), float32 elsewhere",
    )
    threads: int = Field(1, ge=1, description="torch threads per task (tasks run in parallel already)")

    @field_validator("classifiers", mode="before")
    @classmethod
    def _plain_paths(cls, value):
        if isinstance(value, list):
            return [{"path": v} if isinstance(v, str) else v for v in value]
        return value


def _classifiers(paths: list[str]) -> list[dict]:
    return [{"path": p} for p in paths]


def _min_scores(values: list[str]) -> dict[str, float]:
    out = {}
    for item in values:
        name, sep, number = item.partition("=")
        try:
            out[name.strip()] = float(number)
        except ValueError:
            sep = ""
        if not sep:
            raise ConfigError(f"--min-score takes NAME=NUMBER, e.g. --min-score content=0.5 (got {item!r})")
    return out


def finish_block(block: dict) -> dict:
    """``--min-score NAME=N`` sets the threshold of the ``--classifier`` whose recipe is named NAME."""
    thresholds = block.pop("min_scores", {})
    refs = block.get("classifiers", [])
    names = [load_recipe(ref["path"]).name for ref in refs]
    unknown = sorted(set(thresholds) - set(names))
    if unknown:
        raise ConfigError(f"--min-score names {unknown}, which no --classifier has; classifiers: {names}")
    for ref, name in zip(refs, names):
        ref["min_score"] = thresholds.get(name)
    return block


STAGE = StageSpec(
    "score", ScoreConfig, plan="curate.score.stage:plan",
    help="Add <name>_score and <name>_int to every document's metadata, one pair per classifier.\n\nKept documents go "
    "to OUTPUT/score/; with --min-score, those under it go to OUTPUT/score/rejected/<reason>/.",
    options=(
        Opt("classifiers", ("--classifier", "-c"), parse=_classifiers, repeat=True,
            help="a trained classifier folder; repeat for several"),
        Opt("min_scores", ("--min-score",), parse=_min_scores, repeat=True,
            help="NAME=NUMBER: drop documents whose NAME_score is lower; repeatable"),
    ),
    finish_block="curate.score.config:finish_block",
)
