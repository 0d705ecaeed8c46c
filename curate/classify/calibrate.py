"""Class cut points of an ordinal score, chosen on out-of-fold predictions of the training data.

A regressor trained on a scale with few high labels shrinks towards the common middle: FineWeb-Edu's annotations
hold 8% pages at 3 or more, and a ridge or MLP head fitted to them rarely outputs more than 2.5, so rounding its
output almost never says 3. The classes are instead read off the score with cut points: class ``k`` begins at the
score that maximises the binary F1 of "class >= k" on out-of-fold predictions of the training data (never on the
test data), and the cuts are made non-decreasing. A boundary without positives in the training data keeps the
rounding cut ``k - 0.5``. The score itself is left as the model gives it; the cut of the recipe's threshold is the
keep-threshold written in the model card.
"""

from __future__ import annotations

import numpy as np


def fit_cuts(values: np.ndarray, y: np.ndarray, n_classes: int) -> list[float]:
    """One cut per class boundary 1..K-1 (see the module docstring)."""
    from sklearn.metrics import precision_recall_curve

    values, y = np.asarray(values, dtype=np.float64), np.asarray(y)
    cuts = []
    for k in range(1, n_classes):
        positive = y >= k
        if not positive.any() or positive.all():
            cuts.append(k - 0.5)
            continue
        precision, recall, thresholds = precision_recall_curve(positive, values)
        f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
        cuts.append(float(thresholds[int(np.argmax(f1[:-1]))]))
    return [round(float(c), 4) for c in np.maximum.accumulate(cuts)]


def classes_from_cuts(values: np.ndarray, cuts: list[float]) -> np.ndarray:
    """The class of each value: how many cuts it reaches."""
    return np.searchsorted(np.asarray(cuts), np.asarray(values, dtype=np.float64), side="right")
