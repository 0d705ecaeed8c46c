"""Classifier kinds behind one scikit-learn-style interface (:class:`~curate.classify.models.base.TextClassifier`).

- ``fasttext``: supervised fastText with word bigrams (DCLM's recipe); CPU, thousands of documents per second.
- ``embedding``: a frozen sentence-transformers encoder with a small torch head (FineWeb-Edu's recipe).
- ``tfidf``: a linear model (ridge regression or logistic regression) on TF-IDF word features.
- ``stack``: the weighted mean of the values of other kinds (e.g. tfidf + embedding).
"""

from __future__ import annotations

from pathlib import Path

from curate.classify.models.base import TextClassifier, read_meta

KINDS = ("fasttext", "embedding", "tfidf", "stack")


def model_class(kind: str) -> type[TextClassifier]:
    """The class implementing a kind (imported on demand: torch is heavy)."""
    if kind == "fasttext":
        from curate.classify.models.fasttext_kind import FastTextClassifier

        return FastTextClassifier
    if kind == "embedding":
        from curate.classify.models.embedding_kind import EmbeddingClassifier

        return EmbeddingClassifier
    if kind == "tfidf":
        from curate.classify.models.tfidf_kind import TfidfClassifier

        return TfidfClassifier
    if kind == "stack":
        from curate.classify.models.stack_kind import StackClassifier

        return StackClassifier
    raise ValueError(f"unknown classifier kind {kind!r}; allowed: {', '.join(KINDS)}")


def build_model(kind: str, params: dict) -> TextClassifier:
    return model_class(kind)(**params)


def load_model(folder: str | Path) -> TextClassifier:
    """Load a saved model of any kind from its folder (its ``meta.json`` names the kind)."""
    return model_class(read_meta(folder)["kind"]).load(folder)
