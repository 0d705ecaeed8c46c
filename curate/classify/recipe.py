"""A classifier recipe: ``classifiers/<name>/recipe.yaml``, parsed into typed models before anything runs.

A recipe says what the classifier predicts (its label scale, whether the labels are ordered, the threshold that
turns a score into keep/drop), where its labelled data is, which model kind learns it and with which
hyperparameters, and, for LLM-annotated classifiers, the annotation prompt beside it. The trained artifact
(``model/``), ``metrics.json`` and the model card (``README.md``) are written into the same folder.

Relative paths in a recipe (``data.path``, ``annotate.prompt``) are resolved against the recipe's folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator

from curate.configbase import StrictModel, format_validation_error, read_yaml_mapping
from curate.errors import ConfigError

RECIPE_FILE = "recipe.yaml"
MODEL_DIR = "model"
METRICS_FILE = "metrics.json"
CARD_FILE = "README.md"


class LabelSpec(StrictModel):
    """The label scale. Labels are stored as indices 0..K-1 into ``classes``."""

    kind: Literal["ordinal", "categorical"] = Field(
        description="ordinal: ordered classes (0-5 scores; the score is the expected class index); "
        "categorical: unordered classes (topics; the score is the probability of the predicted class)"
    )
    classes: list[str | int] = Field(min_length=2, description="the label values, in order")
    threshold: float | None = Field(
        None, description="ordinal only: a document is positive when its class index is >= this"
    )
    calibrate: bool = Field(
        False, description="ordinal only: read classes off the score with cut points chosen by cross-validation on "
        "the training data (best binary F1 per class boundary) instead of rounding it"
    )

    @model_validator(mode="after")
    def _check(self) -> "LabelSpec":
        if len({str(c) for c in self.classes}) != len(self.classes):
            raise ValueError(f"classes must be distinct (got {self.classes})")
        if self.threshold is not None:
            if self.kind != "ordinal":
                raise ValueError("threshold is only meaningful for ordinal labels; remove it")
            if not 0 < self.threshold < len(self.classes):
                raise ValueError(f"threshold must lie between 0 and {len(self.classes) - 1} (got {self.threshold})")
        if self.calibrate and self.kind != "ordinal":
            raise ValueError("calibrate is only meaningful for ordinal labels; remove it")
        return self

    def index(self, value: Any) -> int | None:
        """The class index of a raw label value (``3``, ``"3"``, ``"STEM"``); None when it is not a class."""
        key = str(value).strip()
        for i, c in enumerate(self.classes):
            if str(c) == key:
                return i
        try:
            as_number = float(key)
        except ValueError:
            return None
        if as_number.is_integer():
            for i, c in enumerate(self.classes):
                if isinstance(c, int) and c == int(as_number):
                    return i
        return None


class DataSpec(StrictModel):
    """Where the labelled data is and how it is split."""

    path: str | None = Field(None, description="JSONL file of labelled documents (an annotate output works as is)")
    text_key: str = Field("text", description="the field holding the document text")
    label_key: str = Field("score", description="the field holding the label (a class value)")
    group_key: str | None = Field(
        None, description="split by this field (e.g. the page a snippet comes from) so no group is in two splits"
    )
    test_fraction: float = Field(0.1, gt=0, lt=0.5, description="held-out share for the metrics")
    test_path: str | None = Field(
        None, description="JSONL of held-out documents for the metrics; when given, data.path is all training data "
        "and test_fraction is not used (annotations that come with their own test split)"
    )
    seed: int = Field(42, description="seed of the split and of training")
    cv_folds: int = Field(5, ge=2, le=20, description="folds of the cross-validation that chooses the cut points "
                          "(labels.calibrate)")


class ModelSpec(StrictModel):
    """Which model kind learns the recipe, and its hyperparameters (passed to the kind's constructor)."""

    kind: Literal["fasttext", "embedding", "tfidf", "stack"] = Field(
        description="fasttext (CPU, fast), embedding (encoder + head), tfidf (linear model on TF-IDF words) or "
        "stack (the weighted mean of other kinds' values)")
    params: dict[str, Any] = Field(default_factory=dict, description="constructor arguments of the model kind")

    @model_validator(mode="after")
    def _known_params(self) -> "ModelSpec":
        from curate.classify.models import model_class

        allowed = model_class(self.kind).param_names()
        unknown = sorted(set(self.params) - set(allowed))
        if unknown:
            raise ValueError(f"unknown {self.kind} parameter(s) {unknown}; allowed: {sorted(allowed)}")
        model_class(self.kind)(**self.params)  # constructors check their values (a ValueError names the problem)
        return self


class AnnotateSpec(StrictModel):
    """How ``curate classifier annotate`` asks an LLM for labels."""

    prompt: str = Field("prompt.md", description="prompt template; {text} is replaced by the document")
    score_pattern: str = Field(
        r"score:\s*\**\s*(\d+)", description="regex whose first group is the score in the model's answer"
    )
    max_chars: int = Field(4000, ge=100, description="documents are truncated to this many characters")
    max_tokens: int = Field(256, ge=8, description="the most tokens the model may answer with")
    temperature: float = Field(0.0, ge=0)
    retries: int = Field(2, ge=0, description="re-asks after a malformed answer before the document is dropped")


class CardSpec(StrictModel):
    """Free text for the model card."""

    summary: str = Field("", description="what the classifier is for")
    label_source: str = Field("", description="where the labels come from")
    data_notes: str = Field("", description="how the labelled data was made, step by step (for reproduction)")
    limitations: str = Field("", description="known limitations")


class Recipe(StrictModel):
    """A whole ``recipe.yaml``."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="metadata keys are <name>_score and <name>_int")
    labels: LabelSpec
    data: DataSpec = Field(default_factory=DataSpec)
    model: ModelSpec
    annotate: AnnotateSpec | None = None
    card: CardSpec = Field(default_factory=CardSpec)
    folder: str = Field("", description="set by load_recipe: the folder holding recipe.yaml")

    def path(self, relative: str) -> Path:
        """A path of the recipe resolved against its folder."""
        p = Path(relative)
        return p if p.is_absolute() else Path(self.folder) / p

    @property
    def model_dir(self) -> Path:
        return Path(self.folder) / MODEL_DIR


def load_recipe(path: str | Path, overrides: dict[str, Any] | None = None) -> Recipe:
    """Read ``recipe.yaml`` (given the file or its folder); errors name the key and the allowed values.

    ``overrides`` replaces whole top-level blocks (``{"model": {"kind": "fasttext", "params": {}}}``).
    """
    path = Path(path)
    file = path / RECIPE_FILE if path.is_dir() else path
    if not file.is_file():
        raise ConfigError(f"no classifier recipe at {file}; give a folder holding {RECIPE_FILE} (see classifiers/)")
    data = read_yaml_mapping(file, "name, labels, data, model")
    data = {**data, **(overrides or {}), "folder": str(file.parent.resolve())}
    try:
        return Recipe.model_validate(data)
    except ValidationError as err:
        raise ConfigError(format_validation_error(err, str(file))) from None
