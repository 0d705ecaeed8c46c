"""``curate score INPUT... --classifier PATH [--classifier PATH] -o OUT``: run the score stage alone."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from curate.cli_common import DryRunOpt, ExecutorOpt, FormatOpt, OutputOpt, TasksOpt, WorkersOpt, run_stage_command, fail


def _pairs(values: list[str], option: str, example: str, convert=str) -> dict:
    """``NAME=VALUE`` options as a dict; a malformed one stops the command with an example of the right form."""
    out = {}
    for item in values:
        name, sep, value = item.partition("=")
        try:
            out[name.strip()] = convert(value)
        except ValueError:
            sep = ""
        if not sep or not value:
            fail(f"{option} takes NAME=VALUE, e.g. {option} {example} (got {item!r})")
    return out


def register(app: typer.Typer) -> None:
    @app.command()
    def score(
        inputs: Annotated[list[Path], typer.Argument(help="JSONL/Parquet documents (or crawl files) to score")],
        output: OutputOpt,
        classifier: Annotated[
            list[Path], typer.Option("--classifier", "-c", help="a trained classifier folder, a fastText .bin/.ftz "
                                     "file or a Hugging Face classification folder; repeat for several")
        ],
        min_score: Annotated[
            Optional[list[str]],
            typer.Option("--min-score", help="NAME=NUMBER: drop documents whose NAME_score is lower; repeatable"),
        ] = None,
        label: Annotated[
            Optional[list[str]],
            typer.Option("--label", help="NAME=LABEL: the label a published model scores (fastText: required, e.g. "
                         "dclm=__label__hq for dclm.bin); NAME is the file or folder name in lower case"),
        ] = None,
        batch_size: Annotated[int, typer.Option(help="documents scored together")] = 256,
        device: Annotated[str, typer.Option(help="auto, cpu, cuda or cuda:N (encoder models)")] = "auto",
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
        from curate.classify.sources import default_name
        from curate.errors import CurateError

        thresholds = _pairs(min_score or [], "--min-score", "content=0.5", float)
        labels = _pairs(label or [], "--label", "dclm=__label__hq")
        try:
            names = [default_name(c) for c in classifier]
        except CurateError as err:
            fail(str(err))
        for option, given in (("--min-score", thresholds), ("--label", labels)):
            unknown = sorted(set(given) - set(names))
            if unknown:
                fail(f"{option} names {unknown}, which no --classifier has; classifiers: {names}")
        refs = [{"path": str(path.resolve()), "min_score": thresholds.get(name), "label": labels.get(name)}
                for path, name in zip(classifier, names)]
        block = {"classifiers": refs, "batch_size": batch_size, "device": device, "precision": precision}
        run_stage_command("score", inputs, output, block, executor, tasks, workers, dry_run, input_format)
