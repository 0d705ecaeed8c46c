"""The ``score`` block of a run config."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from curate.configbase import PathStr, StrictModel
from curate.errors import ConfigError
from curate.stagespec import Opt, StageSpec


class ClassifierRef(StrictModel):
    """One classifier (a trained folder of ours, or a published model file) and its optional keep-threshold."""

    path: PathStr = Field(description="a trained classifier folder (recipe.yaml + model/), e.g. classifiers/edu; or a "
                      "published model: a fastText .bin/.ftz file, a Hugging Face sequence-classification folder")
    name: str | None = Field(None, pattern=r"^[a-z][a-z0-9_]*$", description="prefix of the metadata keys; "
                             "default: the recipe's name, or the file/folder name in lower case")
    label: str | None = Field(None, description="published models: the label whose probability is the score "
                              "(required for fastText, e.g. __label__hq; optional for Hugging Face classes)")
    min_score: float | None = Field(
        None, description="drop documents whose <name>_score is below this (none: score only, drop nothing)"
    )


class ScoreConfig(StrictModel):
    """Adds ``<name>_score`` and ``<name>_int`` (and ``<name>_label`` for categorical classifiers) to metadata."""

    classifiers: list[ClassifierRef] = Field(
        min_length=1, description="classifiers to run, in order; a plain path is a classifier without threshold"
    )
    batch_size: int = Field(256, ge=1, description="documents scored together (sorted by length inside)")
    device: str = Field("auto", pattern=r"^(auto|cpu|cuda(:\d+)?)$",
                        description="embedding classifiers: auto (CUDA when present), cpu, cuda, cuda:N")
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


def _pairs(option: str, example: str, convert=str):
    """A parser of repeated ``NAME=VALUE`` options into a dict, with an example of the right form in its error."""
    def parse(values: list[str]) -> dict:
        out = {}
        for item in values:
            name, sep, value = item.partition("=")
            try:
                out[name.strip()] = convert(value)
            except ValueError:
                sep = ""
            if not sep or not value:
                raise ConfigError(f"{option} takes NAME=VALUE, e.g. {option} {example} (got {item!r})")
        return out
    return parse


def finish_block(block: dict) -> dict:
    """``--min-score NAME=N`` and ``--label NAME=LABEL`` go to the ``--classifier`` whose metadata name is NAME
    (a recipe's name, else the file or folder name in lower case)."""
    from curate.classify.sources import default_name  # here: it imports numpy and the model kinds

    given = {"--min-score": block.pop("min_scores", {}), "--label": block.pop("labels", {})}
    refs = block.get("classifiers", [])
    names = [default_name(ref["path"]) for ref in refs]
    for option, values in given.items():
        unknown = sorted(set(values) - set(names))
        if unknown:
            raise ConfigError(f"{option} names {unknown}, which no --classifier has; classifiers: {names}")
    for ref, name in zip(refs, names):
        ref.update(min_score=given["--min-score"].get(name), label=given["--label"].get(name))
    return block


STAGE = StageSpec(
    "score", ScoreConfig, plan="curate.score.stage:plan",
    help="Add <name>_score and <name>_int to every document's metadata, one pair per classifier.\n\nKept documents "
    "go to OUTPUT/score/; with --min-score, those under it go to OUTPUT/score/rejected/<reason>/.",
    options=(
        Opt("classifiers", ("--classifier", "-c"), parse=_classifiers, repeat=True,
            help="a trained classifier folder, a fastText .bin/.ftz file or a Hugging Face classification folder; "
            "repeat for several"),
        Opt("min_scores", ("--min-score",), parse=_pairs("--min-score", "content=0.5", float), repeat=True,
            help="NAME=NUMBER: drop documents whose NAME_score is lower; repeatable"),
        Opt("labels", ("--label",), parse=_pairs("--label", "dclm=__label__hq"), repeat=True,
            help="NAME=LABEL: the label a published model scores (fastText: required, e.g. dclm=__label__hq for "
            "dclm.bin); NAME is the file or folder name in lower case"),
    ),
    finish_block="curate.score.config:finish_block",
)
