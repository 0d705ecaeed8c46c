"""``curate classifier train RECIPE``: read the labelled data, split, fit, evaluate, write the artifact.

Into the recipe's folder go ``model/`` (the fitted model, loadable with
:func:`curate.classify.models.load_model`), ``metrics.json`` (held-out metrics, data sizes, label counts,
training time, skipped records) and ``README.md`` (the model card, written from the recipe and the metrics).
"""

from __future__ import annotations

import json
import os
import platform
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from loguru import logger

from curate.classify.calibrate import fit_cuts
from curate.classify.card import write_card
from curate.classify.data import read_labelled, split
from curate.classify.metrics import evaluate_model
from curate.classify.models import build_model
from curate.classify.recipe import METRICS_FILE, Recipe
from curate.errors import CurateError


def model_params(recipe: Recipe) -> dict:
    """The model's constructor arguments: the recipe's, plus its seed and (embedding) the cache folder."""
    params = {"seed": recipe.data.seed, **recipe.model.params}
    if recipe.model.kind in ("embedding", "stack"):
        params.setdefault("cache_dir", str(Path(recipe.folder) / "_cache"))
    return params


def train_recipe(recipe: Recipe, data_path: str | Path | None = None) -> dict:
    """Train the recipe's classifier and write model, metrics and card; returns the metrics dict."""
    path = data_path or (recipe.path(recipe.data.path) if recipe.data.path else None)
    if path is None:
        raise CurateError(f"recipe {recipe.name} has no data.path; pass --data FILE (JSONL of labelled documents)")
    data = read_labelled(path, recipe)
    counts = np.bincount(data.labels, minlength=len(recipe.labels.classes))
    if (counts > 0).sum() < 2:
        raise CurateError(f"{path}: the labels hold a single class ({dict(_named(recipe, counts))}); "
                          "a classifier needs at least two")
    if recipe.data.test_path:
        train, test = data, read_labelled(recipe.path(recipe.data.test_path), recipe)
        data.skipped.update(test.skipped)
    else:
        train, test = split(data, recipe.data.test_fraction, recipe.data.seed)
    counts = np.bincount(np.concatenate([train.labels, test.labels]), minlength=len(recipe.labels.classes))
    logger.info(f"{recipe.name}: {len(train) + len(test)} labelled records ({len(train)} train, {len(test)} test), "
         f"skipped {sum(data.skipped.values())}; training {recipe.model.kind}")
    model = build_model(recipe.model.kind, model_params(recipe))
    started = time.perf_counter()
    cuts = None
    if recipe.labels.calibrate:
        logger.info(f"choosing the class cut points by {recipe.data.cv_folds}-fold cross-validation on the training "
                    "data")
        cv_values = model.cross_val_values(train.texts, train.labels, recipe.data.cv_folds)
        cuts = fit_cuts(cv_values, train.labels, len(recipe.labels.classes))
    model.fit(train.texts, train.labels)
    model.cuts_ = cuts
    train_s = time.perf_counter() - started
    metrics = evaluate_model(model, test.texts, test.labels, recipe, cache=True)
    model.save(recipe.model_dir)
    result = {
        "classifier": recipe.name,
        "kind": recipe.model.kind,
        "params": model.get_params(),
        "data": {"path": os.path.relpath(path, recipe.folder), "records": len(train) + len(test), "train": len(train),
                 "test": len(test), "label_counts": _named(recipe, counts), "skipped": dict(data.skipped),
                 "split": _split_name(recipe)},
        "test": metrics,
        "train_seconds": round(train_s, 2),
        "best_epoch": getattr(model, "best_epoch_", None),
        "cuts": cuts,
        "trained_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": f"{platform.machine()}, {platform.system()}, python {platform.python_version()}",
        "model_bytes": sum(f.stat().st_size for f in recipe.model_dir.rglob("*") if f.is_file()),
    }
    (Path(recipe.folder) / METRICS_FILE).write_text(json.dumps(result, indent=2), encoding="utf-8")
    write_card(recipe, result)
    return result


def _split_name(recipe: Recipe) -> str:
    if recipe.data.test_path:
        return f"held-out file {Path(recipe.data.test_path).name}"
    return ("grouped by " + recipe.data.group_key if recipe.data.group_key else "stratified") + " split"


def _named(recipe: Recipe, counts) -> dict:
    return {str(c): int(n) for c, n in zip(recipe.labels.classes, counts)}
