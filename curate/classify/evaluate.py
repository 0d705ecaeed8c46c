"""``curate classifier eval MODEL DATA``: metrics of a trained classifier on a labelled JSONL file.

The metrics are printed and recorded in ``metrics.json``: by default the classifier's own, under
``evaluations.<data file name>`` (its training metrics stay untouched), or a file of the user's choosing.
"""

from __future__ import annotations

import json
from pathlib import Path

from curate.classify.data import read_labelled
from curate.classify.metrics import evaluate_model
from curate.classify.recipe import METRICS_FILE
from curate.classify.scoring import LoadedClassifier


def evaluate_folder(model_folder: str | Path, data_path: str | Path, output: str | Path | None = None) -> dict:
    """Evaluate a trained classifier folder on ``data_path``; returns the metrics and writes them."""
    clf = LoadedClassifier(model_folder)
    data = read_labelled(data_path, clf.recipe)
    metrics = evaluate_model(clf.model, data.texts, data.labels, clf.recipe)
    metrics["data"] = str(data_path)
    metrics["skipped"] = dict(data.skipped)
    out = Path(output) if output else Path(clf.recipe.folder) / METRICS_FILE
    record = json.loads(out.read_text(encoding="utf-8")) if out.is_file() else {}
    if output:
        record = metrics
    else:
        record.setdefault("evaluations", {})[Path(data_path).name] = metrics
    out.write_text(json.dumps(record, indent=2), encoding="utf-8")
    return metrics
