"""The model card (``classifiers/<name>/README.md``), written by training from the recipe and its metrics.

The card states what the classifier predicts, where its labels come from, how much data it saw and how it was
split, its held-out metrics, the intended threshold, how to reproduce it and its limitations. Text the recipe
cannot know (how the data file was made) goes in the recipe's ``card`` block.
"""

from __future__ import annotations

from pathlib import Path

from curate.classify.metrics import format_metrics
from curate.classify.recipe import CARD_FILE, Recipe


def render_card(recipe: Recipe, result: dict) -> str:
    """The card's Markdown."""
    d, m, labels = result["data"], result["test"], recipe.labels
    scale = ", ".join(str(c) for c in labels.classes)
    threshold = (f"class index >= {labels.threshold:g} (keep `{recipe.name}_int >= {labels.threshold:g}`, "
                 f"or `min_score: {keep_score(labels.threshold, result.get('cuts')):g}` on `{recipe.name}_score`)"
                 if labels.threshold is not None else "none (categorical labels: use the predicted class)")
    binary = m.get("binary")
    lines = [
        f"# `{recipe.name}` classifier",
        "",
        recipe.card.summary or f"Predicts {recipe.name} on the scale {scale}.",
        "",
        "| | |",
        "|---|---|",
        f"| labels | {labels.kind}: {scale} |",
        f"| label source | {recipe.card.label_source or 'see recipe.yaml'} |",
        f"| model | `{result['kind']}` ({_params(result['params'])}) |",
        f"| data | {d['records']} labelled records from `{Path(d['path']).name}`; {d['train']} train / "
        f"{d['test']} held out ({d['split']}, seed {recipe.data.seed}); skipped {d['skipped'] or 'none'} |",
        f"| label counts | {', '.join(f'{k}: {v}' for k, v in d['label_counts'].items())} |",
        f"| held-out macro-F1 | {m['macro_f1']:.3f} (accuracy {m['accuracy']:.3f}) |",
    ]
    if binary:
        lines.append(f"| binary F1 at {binary['threshold']:g} | {binary['f1']:.3f} "
                     f"(precision {binary['precision']:.3f}, recall {binary['recall']:.3f}) |")
    if "mse" in m:
        lines.append(f"| MSE (class-index scale) | {m['mse']:.3f} |")
    if "spearman" in m:
        lines.append(f"| Spearman with the labels | {m['spearman']:.3f} |")
    if result.get("cuts"):
        lines.append(f"| class cut points on `{recipe.name}_score` | {', '.join(f'{c:g}' for c in result['cuts'])} "
                     f"(classes 1..{len(result['cuts'])}, chosen by {recipe.data.cv_folds}-fold cross-validation on "
                     "the training data) |")
    lines += [
        f"| intended threshold | {threshold} |",
        f"| artifact | `model/`, {result['model_bytes'] / 1e6:.2f} MB; trained in {result['train_seconds']} s on "
        f"{result['machine']}, {result['trained_at']} |",
        "",
        "## Held-out metrics",
        "",
        "```",
        format_metrics(m),
        "```",
        "",
        "## How it was made",
        "",
        recipe.card.data_notes or f"`curate classifier train {Path(recipe.folder).name}` with the recipe beside "
        "this card.",
        "",
        "## Limitations",
        "",
        recipe.card.limitations or "Not documented yet.",
        "",
    ]
    return "\n".join(lines)


def keep_score(threshold: float, cuts: list[float] | None) -> float:
    """The ``<name>_score`` from which a document is of class >= ``threshold``: its cut, or the rounding bound."""
    if cuts and float(threshold).is_integer():
        return cuts[int(threshold) - 1]
    return threshold - 0.5


def _params(params: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in params.items() if k not in ("cache_dir", "device"))


def write_card(recipe: Recipe, result: dict) -> Path:
    path = Path(recipe.folder) / CARD_FILE
    path.write_text(render_card(recipe, result), encoding="utf-8")
    return path
