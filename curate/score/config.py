"""The ``score`` block of a run config."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from curate.classify.sources import ClassifierSource, inspect_source
from curate.configbase import StrictModel


class ClassifierRef(StrictModel):
    """One classifier (a trained folder of ours, or a published model file) and its optional keep-threshold."""

    path: str = Field(description="a trained classifier folder (recipe.yaml + model/), e.g. classifiers/edu; or a "
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

    @model_validator(mode="after")
    def _trained_and_distinct(self) -> "ScoreConfig":
        names = [source.name for source in self.sources()]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"two classifiers share the name(s) {repeated}; their metadata keys would collide")
        return self

    def sources(self) -> list[ClassifierSource]:
        """Each classifier's checked source (kind, metadata name, label)."""
        return [inspect_source(ref.path, ref.name, ref.label) for ref in self.classifiers]
