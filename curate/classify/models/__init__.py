"""Classifier kinds behind one scikit-learn-style interface (:class:`~curate.classify.models.base.TextClassifier`).

- ``fasttext``: supervised fastText with word bigrams (DCLM's recipe); CPU, thousands of documents per second.
- ``embedding``: a frozen sentence-transformers encoder with a small torch head (FineWeb-Edu's recipe).
- ``tfidf``: a linear model (ridge regression or logistic regression) on TF-IDF word features.
- ``stack``: the weighted mean of the values of other kinds (e.g. tfidf + embedding).
"""

from __future__ import annotations

import importlib
from pathlib import Path

from curate.classify.models.base import TextClassifier, read_meta

# each kind's module, imported on demand (torch is heavy); by name, so that the stack kind, which builds and loads
# other kinds through this module, is no import cycle
_MODULES = {"fasttext": ("fasttext_kind", "FastTextClassifier"), "embedding": ("embedding_kind", "EmbeddingClassifier"),
            "tfidf": ("tfidf_kind", "TfidfClassifier"), "stack": ("stack_kind", "StackClassifier")}
KINDS = tuple(_MODULES)


def model_class(kind: str) -> type[TextClassifier]:
    """The class implementing a kind."""
    if kind not in _MODULES:
        raise ValueError(f"unknown classifier kind {kind!r}; allowed: {', '.join(KINDS)}")
    module, name = _MODULES[kind]
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


def build_model(kind: str, params: dict) -> TextClassifier:
    return model_class(kind)(**params)


def load_model(folder: str | Path) -> TextClassifier:
    """Load a saved model of any kind from its folder (its ``meta.json`` names the kind)."""
    return model_class(read_meta(folder)["kind"]).load(folder)
