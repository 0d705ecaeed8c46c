"""The ``tfidf`` kind: a linear model on TF-IDF word features (scikit-learn), for scales with little data.

``TfidfVectorizer(sublinear_tf=True)`` over words (``ngram_max`` 2 adds word bigrams; words seen in fewer than
``min_df`` training texts are left out), then ``Ridge`` on the class index (``objective="regression"``) or a
``LogisticRegression`` over the classes (``"classification"``, class-balanced when ``balanced``). With a few
thousand labelled pages a convex linear model on words is hard to beat, and it trains in seconds.

A regression model's ``predict_value`` is its output clipped to the scale and ``predict_proba`` spreads it over
the two nearest classes, as the embedding kind's regression head does. The artifact is the vocabulary (JSON), the
IDF weights and the coefficients (``.npz``): no pickle, readable by any scikit-learn version.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from curate.classify.models.base import TextClassifier, check_labels, spread

VOCAB_FILE = "vocabulary.json"
WEIGHTS_FILE = "weights.npz"


class TfidfClassifier(TextClassifier):
    kind = "tfidf"

    def __init__(self, objective: str = "regression", alpha: float = 1.0, C: float = 10.0, ngram_max: int = 1,
                 min_df: int = 2, max_chars: int = 20_000, balanced: bool = True, seed: int = 0):
        self.objective = objective
        self.alpha = alpha
        self.C = C
        self.ngram_max = ngram_max
        self.min_df = min_df
        self.max_chars = max_chars
        self.balanced = balanced
        self.seed = seed
        if objective not in ("classification", "regression"):
            raise ValueError(f"objective must be classification or regression (got {objective!r})")

    def _vectorizer(self, vocabulary=None):
        from sklearn.feature_extraction.text import TfidfVectorizer

        return TfidfVectorizer(sublinear_tf=True, ngram_range=(1, self.ngram_max), min_df=self.min_df,
                               vocabulary=vocabulary, dtype=np.float32)

    def _cut(self, X: list[str]) -> list[str]:
        return [t[:self.max_chars] for t in X]

    def fit(self, X: list[str], y) -> "TfidfClassifier":
        from sklearn.linear_model import LogisticRegression, Ridge

        y = check_labels(y)
        self.n_classes_ = int(y.max()) + 1
        self.vectorizer_ = self._vectorizer()
        features = self.vectorizer_.fit_transform(self._cut(X))
        if self.objective == "regression":
            model = Ridge(alpha=self.alpha, random_state=self.seed).fit(features, y)
            self.coef_, self.intercept_ = model.coef_.reshape(1, -1), np.atleast_1d(model.intercept_)
        else:
            model = LogisticRegression(C=self.C, max_iter=5000, random_state=self.seed,
                                       class_weight="balanced" if self.balanced else None).fit(features, y)
            self.coef_, self.intercept_ = model.coef_, model.intercept_
            self.classes_ = model.classes_
        return self

    def decision(self, X: list[str]) -> np.ndarray:
        """The linear model's raw outputs: ``(n, 1)`` for regression, ``(n, K)`` (or ``(n, 1)`` for two classes)
        logits for classification."""
        features = self.vectorizer_.transform(self._cut(X))
        return np.asarray(features @ self.coef_.T, dtype=np.float64) + self.intercept_

    def predict_value(self, X: list[str]) -> np.ndarray:
        if self.objective == "regression":
            return np.clip(self.decision(X)[:, 0], 0, self.n_classes_ - 1)
        return super().predict_value(X)

    def predict_proba(self, X: list[str]) -> np.ndarray:
        out = self.decision(X)
        if self.objective == "regression":
            return spread(np.clip(out[:, 0], 0, self.n_classes_ - 1), self.n_classes_)
        if out.shape[1] == 1:  # scikit-learn's two-class form: one logit for the upper class
            out = np.column_stack([-out[:, 0] / 2, out[:, 0] / 2])
        out = out - out.max(axis=1, keepdims=True)
        p = np.exp(out)
        p /= p.sum(axis=1, keepdims=True)
        full = np.zeros((len(p), self.n_classes_))
        full[:, self.classes_] = p
        return full

    def _save(self, folder: Path) -> dict:
        vocab = sorted(self.vectorizer_.vocabulary_, key=self.vectorizer_.vocabulary_.get)
        (folder / VOCAB_FILE).write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
        extra = {"classes": self.classes_} if self.objective == "classification" else {}
        np.savez_compressed(folder / WEIGHTS_FILE, idf=self.vectorizer_.idf_.astype(np.float32),
                            coef=self.coef_.astype(np.float32), intercept=self.intercept_, **extra)
        return {"files": [VOCAB_FILE, WEIGHTS_FILE], "features": len(vocab)}

    def _load(self, folder: Path, meta: dict) -> None:
        vocab = json.loads((folder / VOCAB_FILE).read_text(encoding="utf-8"))
        weights = np.load(folder / WEIGHTS_FILE)
        self.vectorizer_ = self._vectorizer({word: i for i, word in enumerate(vocab)})
        self.vectorizer_.idf_ = weights["idf"]
        self.coef_, self.intercept_ = weights["coef"], weights["intercept"]
        if "classes" in weights:
            self.classes_ = weights["classes"]
