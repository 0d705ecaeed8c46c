"""``curate classifier annotate|train|eval``: make labels with an LLM, train a classifier, evaluate it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from curate.cli_common import fail

group = typer.Typer(help="Quality classifiers: annotate with an LLM, train, evaluate.", no_args_is_help=True)


@group.command()
def train(
    recipe: Annotated[Path, typer.Argument(help="a classifier folder holding recipe.yaml (e.g. classifiers/edu)")],
    data: Annotated[Optional[Path], typer.Option(help="labelled JSONL; default: the recipe's data.path")] = None,
    kind: Annotated[Optional[str], typer.Option(help="override the recipe's model kind: fasttext or embedding")] = None,
) -> None:
    """Train RECIPE's classifier; writes model/, metrics.json and the model card README.md beside the recipe."""
    from curate.classify.metrics import format_metrics
    from curate.classify.recipe import load_recipe
    from curate.classify.train import train_recipe
    from curate.errors import CurateError

    overrides = {"model": {"kind": kind, "params": {}}} if kind else None
    try:
        r = load_recipe(recipe, overrides)
        result = train_recipe(r, data.resolve() if data else None, echo=typer.echo)
    except CurateError as err:
        fail(str(err))
    typer.echo(format_metrics(result["test"]))
    typer.echo(f"model written to {r.model_dir}; metrics and card beside it")


@group.command("eval")
def evaluate(
    model: Annotated[Path, typer.Argument(help="a trained classifier folder")],
    data: Annotated[Path, typer.Argument(help="labelled JSONL (the recipe's text and label keys)")],
    output: Annotated[Optional[Path], typer.Option(help="write the metrics here instead of MODEL/metrics.json")] = None,
) -> None:
    """Evaluate MODEL on DATA: per-class precision/recall/F1, macro-F1, binary F1, confusion matrix, MSE."""
    from curate.classify.evaluate import evaluate_folder
    from curate.classify.metrics import format_metrics
    from curate.errors import CurateError

    try:
        metrics = evaluate_folder(model, data, output)
    except CurateError as err:
        fail(str(err))
    typer.echo(format_metrics(metrics))


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="classifier")
