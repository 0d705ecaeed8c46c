"""``curate score INPUT... --classifier DIR [--classifier DIR] -o OUT``: run the score stage alone."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from curate.cli_common import DryRunOpt, ExecutorOpt, FormatOpt, OutputOpt, TasksOpt, WorkersOpt, run_stage_command, fail


def _thresholds(values: list[str]) -> dict[str, float]:
    out = {}
    for item in values:
        name, sep, number = item.partition("=")
        try:
            out[name.strip()] = float(number)
        except ValueError:
            sep = ""
        if not sep:
            fail(f"--min-score takes NAME=NUMBER, e.g. --min-score content=0.5 (got {item!r})")
    return out


def register(app: typer.Typer) -> None:
    @app.command()
    def score(
        inputs: Annotated[list[Path], typer.Argument(help="JSONL/Parquet documents (or crawl files) to score")],
        output: OutputOpt,
        classifier: Annotated[
            list[Path], typer.Option("--classifier", "-c", help="a trained classifier folder; repeat for several")
        ],
        min_score: Annotated[
            Optional[list[str]],
            typer.Option("--min-score", help="NAME=NUMBER: drop documents whose NAME_score is lower; repeatable"),
        ] = None,
        batch_size: Annotated[int, typer.Option(help="documents scored together")] = 256,
        device: Annotated[str, typer.Option(help="auto, cpu, cuda or cuda:N (embedding classifiers)")] = "auto",
        precision: Annotated[
            str, typer.Option(help="embedding classifiers' encoder: auto (bfloat16 on CUDA and on CPUs with native "
                              "bfloat16), float32 or bfloat16")
        ] = "auto",
        input_format: FormatOpt = "auto",
        executor: ExecutorOpt = "local",
        tasks: TasksOpt = None,
        workers: WorkersOpt = None,
        dry_run: DryRunOpt = False,
    ) -> None:
        """Add <name>_score and <name>_int to every document's metadata, one pair per classifier.

        Kept documents go to OUTPUT/score/; with --min-score, those under it go to OUTPUT/score/rejected/<reason>/.
        """
        from curate.classify.recipe import load_recipe
        from curate.errors import CurateError

        thresholds = _thresholds(min_score or [])
        refs = []
        try:
            names = [load_recipe(c).name for c in classifier]
        except CurateError as err:
            fail(str(err))
        unknown = sorted(set(thresholds) - set(names))
        if unknown:
            fail(f"--min-score names {unknown}, which no --classifier has; classifiers: {names}")
        for path, name in zip(classifier, names):
            refs.append({"path": str(path.resolve()), "min_score": thresholds.get(name)})
        block = {"classifiers": refs, "batch_size": batch_size, "device": device, "precision": precision}
        run_stage_command("score", inputs, output, block, executor, tasks, workers, dry_run, input_format)
