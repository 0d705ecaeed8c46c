"""A trained classifier folder, ready to score texts: its recipe (label scale) plus its fitted model.

:func:`score_texts` scores one batch with several classifiers; embedding classifiers that share an encoder
(same model and sequence length) share one encoding pass. What a score means depends on the label scale:

- ordinal (``edu``, ``content``): ``score`` is the predicted value on the class-index scale (the expected class
  index, or a regression head's output), ``int`` its rounded class index;
- categorical (``topic``): ``int`` is the most probable class, ``score`` its probability, ``label`` its name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from curate.classify.metrics import predicted_classes, predictions
from curate.classify.models import load_model
from curate.classify.models.base import META_FILE
from curate.classify.models.encoder import resolve_device
from curate.classify.recipe import Recipe, load_recipe
from curate.errors import ConfigError


@dataclass
class Scores:
    score: np.ndarray  # float per text
    ints: np.ndarray  # int per text
    labels: list[str] | None  # class names (categorical only)


def check_trained(folder: str | Path) -> Recipe:
    """The recipe of a trained classifier folder; a ConfigError saying how to train it otherwise."""
    recipe = load_recipe(folder)
    if not (recipe.model_dir / META_FILE).is_file():
        raise ConfigError(f"classifier {folder} has no trained model ({recipe.model_dir}/{META_FILE} is missing); "
                          f"train it first: curate classifier train {folder}")
    return recipe


class LoadedClassifier:
    """A recipe and its fitted model; ``device`` and ``precision`` override the embedding kind's, ``name`` the
    recipe's name as the prefix of the metadata keys."""

    def __init__(self, folder: str | Path, device: str | None = None, precision: str | None = None,
                 name: str | None = None):
        self.recipe = check_trained(folder)
        self.name = name or self.recipe.name
        self.model = load_model(self.recipe.model_dir)
        for model in getattr(self.model, "models_", [self.model]):  # a stack's members, or the model itself
            if precision is not None and hasattr(model, "precision"):
                model.precision = precision
            if device is not None and hasattr(model, "head_"):
                model.device = device
                model.head_.to(resolve_device(device))

    def encoder_key(self) -> tuple | None:
        m = self.model
        return (m.encoder, m.max_seq_length, m.windows) if m.kind == "embedding" else None

    def scores(self, texts: list[str], embeddings: np.ndarray | None = None) -> Scores:
        """Score texts (with the embeddings already computed by a shared encoder, when given)."""
        proba, value = predictions(self.model, texts, embeddings=embeddings)
        classes = self.recipe.labels.classes
        ordinal = self.recipe.labels.kind == "ordinal"
        ints = predicted_classes(proba, value, ordinal, len(classes), getattr(self.model, "cuts_", None))
        if not ordinal:
            return Scores(proba[np.arange(len(ints)), ints], ints, [str(classes[i]) for i in ints])
        return Scores(np.asarray(value, dtype=np.float64), ints, None)


def score_texts(classifiers: list[LoadedClassifier], texts: list[str]) -> dict[str, Scores]:
    """Every classifier's scores for ``texts``; one encoding pass per distinct encoder."""
    embeddings: dict[tuple, np.ndarray] = {}
    out = {}
    for clf in classifiers:
        key = clf.encoder_key()
        if key is not None and key not in embeddings:
            embeddings[key] = clf.model.embed(texts)
        out[clf.name] = clf.scores(texts, embeddings.get(key) if key else None)
    return out
