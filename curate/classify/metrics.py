"""Evaluation metrics of a classifier on labelled data, as a JSON-ready dict and a printable table.

Per-class precision/recall/F1 and support, macro-F1, accuracy and the confusion matrix (rows: true class,
columns: predicted) for every recipe; for ordinal labels also the MSE of the predicted value against the true
class index, and the binary precision/recall/F1 at the recipe's threshold (positive: class index >= threshold,
the prediction being the rounded value), which is how FineWeb-Edu reports its classifier (F1 0.82 at 3).
"""

from __future__ import annotations

import numpy as np

from curate.classify.calibrate import classes_from_cuts
from curate.classify.models.base import spread


def evaluate_predictions(y_true, proba: np.ndarray, value: np.ndarray, classes: list, ordinal: bool,
                         threshold: float | None, cuts: list[float] | None = None) -> dict:
    """Metrics from true class indices, predicted probabilities ``(n, K)`` and predicted values ``(n,)`` (classes
    read off the values with ``cuts`` when the model has them)."""
    from scipy.stats import spearmanr
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

    y_true = np.asarray(y_true)
    labels = list(range(len(classes)))
    pred = predicted_classes(proba, value, ordinal, len(classes), cuts)
    p, r, f, s = precision_recall_fscore_support(y_true, pred, labels=labels, zero_division=0)
    out = {
        "n": int(len(y_true)),
        "accuracy": float(accuracy_score(y_true, pred)),
        "macro_f1": float(f1_score(y_true, pred, labels=labels, average="macro", zero_division=0)),
        "per_class": {
            str(c): {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
            for i, c in enumerate(classes)
        },
        "confusion_matrix": {"labels": [str(c) for c in classes],
                             "matrix": confusion_matrix(y_true, pred, labels=labels).tolist()},
    }
    if ordinal:
        out["mse"] = float(np.mean((np.asarray(value, dtype=np.float64) - y_true) ** 2))
        out["spearman"] = float(spearmanr(y_true, value).statistic) if len(set(y_true)) > 1 else float("nan")
        if threshold is not None:
            out["binary"] = _binary(y_true >= threshold, pred >= threshold, threshold)
    return out


def predicted_classes(proba, value, ordinal: bool, n_classes: int, cuts: list[float] | None = None) -> np.ndarray:
    """Ordinal: the class the value's cuts give (:mod:`curate.classify.calibrate`), else the rounded value (so
    regression and classification heads are judged alike); categorical: argmax."""
    if ordinal and cuts:
        return classes_from_cuts(value, cuts)
    if ordinal:
        return np.clip(np.rint(np.asarray(value, dtype=np.float64)), 0, n_classes - 1).astype(int)
    return np.asarray(proba).argmax(axis=1)


def _binary(true_pos: np.ndarray, pred_pos: np.ndarray, threshold: float) -> dict:
    from sklearn.metrics import precision_recall_fscore_support

    p, r, f, _ = precision_recall_fscore_support(true_pos, pred_pos, average="binary", zero_division=0)
    return {"threshold": threshold, "precision": float(p), "recall": float(r), "f1": float(f),
            "positives": int(true_pos.sum())}


def predictions(model, texts: list[str], cache: bool = False,
                embeddings: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A fitted model's probabilities and values for texts (one encoding pass for the embedding kind, none when
    ``embeddings`` were already computed by a shared encoder). The value is the expected class index, or a
    regression head's output."""
    if model.kind == "embedding":
        E = model.embed(texts, cache=cache) if embeddings is None else embeddings
        proba = model.proba_from_embeddings(E)
        if model.objective == "regression":
            return proba, model.value_from_embeddings(E)
    elif model.kind == "stack":
        value = model.predict_value(texts, cache=cache)
        return spread(value, model.n_classes_), value
    else:
        proba = model.predict_proba(texts)
    return proba, proba @ np.arange(proba.shape[1], dtype=np.float64)


def evaluate_model(model, texts: list[str], y_true, recipe, cache: bool = False) -> dict:
    """Run a fitted model on texts and score it against the recipe's label scale."""
    proba, value = predictions(model, texts, cache)
    labels = recipe.labels
    return evaluate_predictions(y_true, proba, value, labels.classes, labels.kind == "ordinal", labels.threshold,
                                getattr(model, "cuts_", None))


def format_metrics(m: dict) -> str:
    """A plain-text summary: headline figures, the per-class table and the confusion matrix."""
    lines = [f"n={m['n']}  accuracy={m['accuracy']:.3f}  macro-F1={m['macro_f1']:.3f}"]
    if "mse" in m:
        lines[0] += f"  MSE={m['mse']:.3f}"
    if "spearman" in m:
        lines[0] += f"  Spearman={m['spearman']:.3f}"
    if "binary" in m:
        b = m["binary"]
        lines.append(f"binary at >= {b['threshold']:g}: precision={b['precision']:.3f} recall={b['recall']:.3f} "
                     f"F1={b['f1']:.3f} (positives: {b['positives']})")
    lines.append(f"{'class':<24}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}")
    for name, c in m["per_class"].items():
        lines.append(f"{name:<24}{c['precision']:>10.3f}{c['recall']:>10.3f}{c['f1']:>10.3f}{c['support']:>10}")
    cm = m["confusion_matrix"]
    lines.append("confusion matrix (rows: true, columns: predicted): " + " ".join(cm["labels"]))
    lines.extend("  " + " ".join(f"{v:>6}" for v in row) for row in cm["matrix"])
    return "\n".join(lines)
