"""``curate seeds INPUT... --output DIR [--code DIR] [--no-llm] [--endpoint URL --model NAME | --local]``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, List, Optional

import typer

from curate.cli_common import DryRunOpt, ExecutorOpt, FormatOpt, OutputOpt, TasksOpt, WorkersOpt, run_stage_command
from curate.rewrite.cli import EndpointOpt, LocalOpt, ModelOpt, page_generation_block


def register(app: typer.Typer) -> None:
    @app.command()
    def seeds(
        inputs: Annotated[list[Path], typer.Argument(help="pages: files or folders of documents (JSONL from a "
                                                     "stage, WARC, HTML...)")],
        output: OutputOpt,
        code: Annotated[Optional[List[Path]], typer.Option(help="a file or folder of Python source to take code "
                                                           "seeds from (repeatable)")] = None,
        mine: Annotated[bool, typer.Option(help="mine the questions already on the pages (no LLM)")] = True,
        llm: Annotated[bool, typer.Option(help="extract question-answer pairs with an LLM")] = True,
        endpoint: EndpointOpt = None,
        model: ModelOpt = None,
        local: LocalOpt = False,
        score_key: Annotated[Optional[str], typer.Option(help="metadata score key; 'none' sends every page")] = None,
        min_score: Annotated[Optional[float], typer.Option(help="pages scoring at least this go to the LLM")] = None,
        max_pages: Annotated[Optional[int], typer.Option(help="pages sent to the LLM per task")] = None,
        max_tokens: Annotated[Optional[int], typer.Option(help="completion tokens per request")] = None,
        executor: ExecutorOpt = "local",
        tasks: TasksOpt = None,
        workers: WorkersOpt = None,
        input_format: FormatOpt = "auto",
        dry_run: DryRunOpt = False,
    ) -> None:
        """Mine questions from pages, extract question-answer pairs with an LLM, run code answers in a sandbox;
        check every seed and keep the good ones (Phi-4's seeds)."""
        block = {"mine": mine, "code_paths": [str(p.resolve()) for p in code or []],
                 "extraction": page_generation_block(endpoint, model, local, score_key, min_score, max_tokens,
                                                     max_pages) if llm else None}
        run_stage_command("seeds", inputs, output, block, executor, tasks, workers, dry_run, input_format)
