"""The ``stack`` kind: the weighted mean of other kinds' values (an ensemble of regressors on one scale).

Words and a sentence encoder see different things in a page: TF-IDF weighs its vocabulary over the whole text,
a frozen encoder its meaning window by window. On FineWeb-Edu's annotations their errors are far from perfectly
correlated, so the mean of the two values ranks pages better than either (docs/classifiers.md has the figures).
``members`` lists the kinds and their parameters, as a recipe's ``model`` block does
(``[{kind: tfidf, params: {...}}, {kind: embedding, params: {...}}]``); ``weights`` defaults to equal weights.

``predict_value`` is the weighted mean of the members' ``predict_value``, ``predict_proba`` spreads it over the two
nearest classes; each member is saved in ``member-<i>/`` of the model folder and loads as it would alone.
Out-of-fold values (:meth:`cross_val_values`) are the weighted mean of the members' own, so an embedding member
encodes the texts once.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from curate.classify.models import build_model, load_model
from curate.classify.models.base import TextClassifier, check_labels, spread


class StackClassifier(TextClassifier):
    kind = "stack"
    unsaved_params = ("cache_dir",)

    def __init__(self, members: list[dict] | None = None, weights: list[float] | None = None,
                 cache_dir: str | None = None, seed: int = 0):
        self.members = list(members or [])
        self.weights = weights
        self.cache_dir = cache_dir
        self.seed = seed
        if len(self.members) < 2:
            raise ValueError("a stack needs at least two members ({kind: ..., params: {...}} each)")
        for m in self.members:
            if not isinstance(m, dict) or set(m) - {"kind", "params"} or "kind" not in m or m["kind"] == "stack":
                raise ValueError(f"each member is {{kind: tfidf|fasttext|embedding, params: {{...}}}} (got {m!r})")
        if weights is not None and (len(weights) != len(self.members) or min(weights) < 0 or sum(weights) <= 0):
            raise ValueError(f"weights must be one non-negative number per member, not all 0 (got {weights})")
        self.models_ = [self._member(m) for m in self.members]  # validates each member's parameters

    def _member(self, spec: dict) -> TextClassifier:
        params = {"seed": self.seed, **spec.get("params", {})}
        if spec["kind"] == "embedding" and self.cache_dir:
            params.setdefault("cache_dir", self.cache_dir)
        return build_model(spec["kind"], params)

    @property
    def _w(self) -> np.ndarray:
        w = np.asarray(self.weights if self.weights is not None else [1.0] * len(self.members), dtype=np.float64)
        return w / w.sum()

    def fit(self, X: list[str], y) -> "StackClassifier":
        y = check_labels(y)
        self.n_classes_ = int(y.max()) + 1
        self.models_ = [self._member(m).fit(X, y) for m in self.members]
        return self

    def cross_val_values(self, X: list[str], y, folds: int) -> np.ndarray:
        return sum(w * m.cross_val_values(X, y, folds) for w, m in zip(self._w, self.models_))

    def predict_value(self, X: list[str], cache: bool = False) -> np.ndarray:
        """The weighted mean of the members' values (an embedding member reads its disk cache when ``cache``)."""
        values = [m.value_from_embeddings(m.embed(X, cache=cache)) if m.kind == "embedding" else m.predict_value(X)
                  for m in self.models_]
        return np.clip(sum(w * v for w, v in zip(self._w, values)), 0, self.n_classes_ - 1)

    def predict_proba(self, X: list[str]) -> np.ndarray:
        return spread(self.predict_value(X), self.n_classes_)

    def _save(self, folder: Path) -> dict:
        for i, model in enumerate(self.models_):
            model.save(folder / f"member-{i}")
        return {"members_saved": len(self.models_)}

    def _load(self, folder: Path, meta: dict) -> None:
        self.models_ = [load_model(folder / f"member-{i}") for i in range(meta["members_saved"])]
