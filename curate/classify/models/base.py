"""The interface every classifier kind implements, in scikit-learn's conventions.

Hyperparameters go to ``__init__`` and are stored unchanged; ``fit(X, y)`` learns from texts ``X`` and class
indices ``y`` (0..K-1) and returns ``self``; fitted attributes end in ``_``. ``predict_proba`` gives an
``(n, K)`` array, ``predict`` the most probable class, ``predict_value`` a float on the class-index scale (the
expected class index, or a regression head's output), ``save(folder)`` / ``load(folder)`` a round trip that
predicts identically.

An ordinal model may also carry ``cuts_``: the value at which each class from 1 up begins, chosen by
cross-validation on the training data (:func:`curate.classify.calibrate.fit_cuts`); its class is then the number of
cuts its value reaches rather than the rounded value. ``cross_val_values`` gives the out-of-fold values they are
chosen from.
"""

from __future__ import annotations

import inspect
import json
from abc import ABC, abstractmethod
from pathlib import Path

import numpy as np

META_FILE = "meta.json"


class TextClassifier(ABC):
    """Shared plumbing of the kinds; subclasses set ``kind`` and implement fit/predict_proba/_save/_load."""

    kind = ""
    unsaved_params: tuple[str, ...] = ()  # machine-local settings left out of a saved model (they load as defaults)

    @classmethod
    def param_names(cls) -> list[str]:
        """The hyperparameters: the constructor's arguments."""
        return [p for p in inspect.signature(cls.__init__).parameters if p != "self"]

    def get_params(self) -> dict:
        return {name: getattr(self, name) for name in self.param_names()}

    @abstractmethod
    def fit(self, X: list[str], y) -> "TextClassifier":
        """Learn from texts ``X`` and class indices ``y``; return ``self``."""

    @abstractmethod
    def predict_proba(self, X: list[str]) -> np.ndarray:
        """An ``(n, K)`` array of class probabilities."""

    def predict(self, X: list[str]) -> np.ndarray:
        """The most probable class index of each text."""
        return np.asarray(self.predict_proba(X)).argmax(axis=1)

    def predict_value(self, X: list[str]) -> np.ndarray:
        """A float score per text on the class-index scale: the probability-weighted mean class index."""
        proba = np.asarray(self.predict_proba(X), dtype=np.float64)
        return proba @ np.arange(proba.shape[1], dtype=np.float64)

    def cross_val_values(self, X: list[str], y, folds: int) -> np.ndarray:
        """Out-of-fold ``predict_value`` of every text: ``folds`` stratified folds, each predicted by a copy of
        this model (same parameters) fitted on the others."""
        from sklearn.model_selection import StratifiedKFold

        y = check_labels(y)
        out = np.zeros(len(y))
        splitter = StratifiedKFold(folds, shuffle=True, random_state=self.get_params().get("seed", 0))
        for tr, te in splitter.split(np.zeros(len(y)), y):
            fold = type(self)(**self.get_params()).fit([X[i] for i in tr], y[tr])
            out[te] = fold.predict_value([X[i] for i in te])
        return out

    def save(self, folder: str | Path) -> Path:
        """Write the fitted model to ``folder`` (created); ``load(folder)`` reads it back."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        params = {k: v for k, v in self.get_params().items() if k not in self.unsaved_params}
        meta = {"kind": self.kind, "params": params, "n_classes": int(self.n_classes_)}
        if getattr(self, "cuts_", None) is not None:
            meta["cuts"] = [float(c) for c in self.cuts_]
        meta.update(self._save(folder))
        (folder / META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> "TextClassifier":
        folder = Path(folder)
        meta = read_meta(folder)
        model = cls(**meta["params"])
        model.n_classes_ = meta["n_classes"]
        model.cuts_ = meta.get("cuts")
        model._load(folder, meta)
        return model

    @abstractmethod
    def _save(self, folder: Path) -> dict:
        """Write the kind's artifact into ``folder``; return the kind's extra metadata."""

    @abstractmethod
    def _load(self, folder: Path, meta: dict) -> None:
        """Read back what ``_save`` wrote."""


def check_labels(y, n_classes: int | None = None) -> np.ndarray:
    """``y`` as an int array of class indices; the number of classes is max+1 unless given."""
    y = np.asarray(y)
    if y.ndim != 1 or len(y) == 0:
        raise ValueError("y must be a non-empty 1-D sequence of class indices")
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must hold integer class indices 0..K-1 (got dtype {y.dtype})")
    if y.min() < 0 or (n_classes is not None and y.max() >= n_classes):
        raise ValueError(f"class indices must lie in 0..{(n_classes or 0) - 1}")
    return y.astype(np.int64)


def read_meta(folder: str | Path) -> dict:
    return json.loads((Path(folder) / META_FILE).read_text(encoding="utf-8"))


def spread(values: np.ndarray, n_classes: int) -> np.ndarray:
    """Split each value between its two neighbouring class indices, in proportion to closeness."""
    lower = np.floor(values).astype(int)
    upper = np.minimum(lower + 1, n_classes - 1)
    frac = values - lower
    out = np.zeros((len(values), n_classes), dtype=np.float64)
    rows = np.arange(len(values))
    out[rows, lower] += 1 - frac
    out[rows, upper] += frac
    return out
