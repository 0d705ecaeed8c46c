"""``curate extract INPUT... -o OUT``: run the extract stage alone on files or folders."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from curate.cli_common import DryRunOpt, ExecutorOpt, FormatOpt, OutputOpt, TasksOpt, WorkersOpt, run_stage_command


def register(app: typer.Typer) -> None:
    @app.command()
    def extract(
        inputs: Annotated[list[Path], typer.Argument(help="WARC/WET/ARC files, folders of HTML files, JSONL, Parquet")],
        output: OutputOpt,
        input_format: FormatOpt = "auto",
        languages: Annotated[
            Optional[str],
            typer.Option(help="keep only these languages, comma-separated ISO 639-1 codes; 'all' keeps every language; "
                         "default: en"),
        ] = None,
        filters: Annotated[
            Optional[str],
            typer.Option(help="heuristic filters, comma-separated, in order (url, gopher_repetition, gopher_quality, "
                         "c4, fineweb); 'none' for extraction and language ID only; default: all"),
        ] = None,
        no_language_id: Annotated[bool, typer.Option("--no-language-id", help="skip language identification")] = False,
        extractor: Annotated[
            str, typer.Option(help="main-text extractor: trafilatura, or resiliparse (faster, less precise)")
        ] = "trafilatura",
        timeout: Annotated[float, typer.Option(help="per-page extraction time limit, seconds")] = 10.0,
        executor: ExecutorOpt = "local",
        tasks: TasksOpt = None,
        workers: WorkersOpt = None,
        dry_run: DryRunOpt = False,
    ) -> None:
        """Extract main text from crawl files (trafilatura), identify the language, apply heuristic filters.

        Kept documents go to OUTPUT/extract/, dropped ones to OUTPUT/extract/rejected/<reason>/, lines the filters
        removed from kept documents to OUTPUT/extract/edits/<rule>/. The defaults are the config's.
        """
        block: dict = {"extractor": extractor}
        if extractor in ("trafilatura", "resiliparse"):  # another name: the config check names the allowed ones
            block[extractor] = {"timeout_s": timeout}
        if no_language_id:
            block["language"] = None
        elif languages and languages.strip() == "all":
            block["language"] = {"languages": None}
        elif languages:
            block["language"] = {"languages": [x.strip() for x in languages.split(",") if x.strip()]}
        if filters is not None:
            names = [] if filters.strip() == "none" else [x.strip() for x in filters.split(",") if x.strip()]
            block["filters"] = [{"name": n} for n in names]
        run_stage_command("extract", inputs, output, block, executor, tasks, workers, dry_run, input_format)
