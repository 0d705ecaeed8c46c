"""``curate dedup INPUT... -o OUT``: run the dedup stage alone on files or folders."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from curate.cli_common import DryRunOpt, ExecutorOpt, FormatOpt, OutputOpt, TasksOpt, WorkersOpt, run_stage_command


def register(app: typer.Typer) -> None:
    @app.command()
    def dedup(
        inputs: Annotated[list[Path], typer.Argument(help="documents (JSONL, Parquet, crawl files)")],
        output: OutputOpt,
        threshold: Annotated[float, typer.Option(help="Jaccard similarity that makes two documents duplicates")] = 0.8,
        ngram: Annotated[int, typer.Option(help="words per shingle")] = 5,
        num_perm: Annotated[Optional[int], typer.Option(help="MinHash functions (default 112)")] = None,
        bands: Annotated[Optional[int], typer.Option(help="LSH bands (with --rows; default: derived)")] = None,
        rows: Annotated[Optional[int], typer.Option(help="signature values per band (with --bands)")] = None,
        keep: Annotated[
            str, typer.Option(help="survivor of a cluster, by these keys in order: score, length, first")
        ] = "score,length,first",
        score_key: Annotated[str, typer.Option(help="metadata key of the score for --keep score")] = "edu_score",
        no_verify: Annotated[
            bool, typer.Option("--no-verify", help="trust LSH candidates without the exact Jaccard check")
        ] = False,
        input_format: FormatOpt = "auto",
        executor: ExecutorOpt = "local",
        tasks: TasksOpt = None,
        workers: WorkersOpt = None,
        dry_run: DryRunOpt = False,
    ) -> None:
        """Remove exact and near-duplicate documents (MinHash LSH), keeping one document per cluster.

        Kept documents go to OUTPUT/dedup/, removed ones to OUTPUT/dedup/rejected/<reason>/ with duplicate_of and
        dedup_cluster in their metadata; the duplicates summary to OUTPUT/report/dedup.json.
        """
        block: dict = {
            "threshold": threshold,
            "ngram": ngram,
            "keep": [k.strip() for k in keep.split(",") if k.strip()],
            "score_key": score_key,
            "verify": not no_verify,
        }
        for key, value in (("num_perm", num_perm), ("bands", bands), ("rows", rows)):
            if value is not None:
                block[key] = value
        run_stage_command("dedup", inputs, output, block, executor, tasks, workers, dry_run, input_format)
