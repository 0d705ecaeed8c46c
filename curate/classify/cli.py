"""``curate classifier annotate|train|eval``: make labels with an LLM, train a classifier, evaluate it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

group = typer.Typer(help="Quality classifiers: annotate with an LLM, train, evaluate.", no_args_is_help=True)


@group.command()
def train(
    recipe: Annotated[Path, typer.Argument(help="a classifier folder holding recipe.yaml (e.g. classifiers/edu)")],
    data: Annotated[Optional[Path], typer.Option(help="labelled JSONL; default: the recipe's data.path")] = None,
    kind: Annotated[Optional[str], typer.Option(
        help="override the recipe's model kind with its default parameters: fasttext, embedding or tfidf")] = None,
) -> None:
    """Train RECIPE's classifier; writes model/, metrics.json and the model card README.md beside the recipe."""
    from curate.classify.metrics import format_metrics
    from curate.classify.recipe import load_recipe
    from curate.classify.train import train_recipe

    overrides = {"model": {"kind": kind, "params": {}}} if kind else None
    r = load_recipe(recipe, overrides)
    result = train_recipe(r, data.resolve() if data else None)
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

    metrics = evaluate_folder(model, data, output)
    typer.echo(format_metrics(metrics))


@group.command()
def annotate(
    inputs: Annotated[Path, typer.Argument(help="JSONL (or .jsonl.gz) of documents with text and id fields")],
    recipe: Annotated[Path, typer.Option(help="classifier folder whose prompt and label scale to use")],
    output: Annotated[Path, typer.Option("--output", "-o", help="JSONL of annotations (appended; resumable)")],
    endpoint: Annotated[
        Optional[str], typer.Option(help="OpenAI-compatible server URL (vLLM, SGLang...); default: start llama.cpp "
                                    "with SmolLM2-135M-Instruct on loopback")
    ] = None,
    model_name: Annotated[Optional[str], typer.Option(help="model name sent with each request")] = None,
    limit: Annotated[int, typer.Option(help="annotate at most this many new documents (-1: all)")] = -1,
    text_key: Annotated[str, typer.Option(help="field holding the text")] = "text",
    id_key: Annotated[str, typer.Option(help="field holding the document id (used to resume)")] = "id",
    api_key_env: Annotated[Optional[str], typer.Option(help="environment variable holding an API key")] = None,
) -> None:
    """Label documents with an LLM using RECIPE's prompt; malformed answers are retried, then dropped."""
    from contextlib import nullcontext

    from curate.classify.annotate import annotate_file, describe, endpoint_asker
    from curate.classify.recipe import load_recipe
    from curate.llm.client import Endpoint, api_key_from_env
    from curate.llm.server import SMOLLM2_NAME, LlamaServer

    r = load_recipe(recipe)
    name = model_name or SMOLLM2_NAME
    with nullcontext() if endpoint else LlamaServer(model_name=name) as server:
        target = Endpoint(endpoint, name, api_key_from_env(api_key_env)) if endpoint else Endpoint(server.url, name)
        with endpoint_asker(target) as ask:
            typer.echo(describe(annotate_file(r, inputs, output, ask, name, limit, text_key, id_key)))
