"""``curate plurality INPUT... --output DIR [--samples N]``: Phi-4 plurality filtering of question documents."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from curate.cli_common import (
    DryRunOpt,
    ExecutorOpt,
    FormatOpt,
    OutputOpt,
    TasksOpt,
    WorkersOpt,
    executor_block,
    fail,
    run_config,
)
from curate.rewrite.cli import EndpointOpt, LocalOpt, ModelOpt, llm_block


def register(app: typer.Typer) -> None:
    @app.command()
    def plurality(
        inputs: Annotated[list[Path], typer.Argument(help="question documents (e.g. GSM8K-style JSONL)")],
        output: OutputOpt,
        samples: Annotated[int, typer.Option(help="answers sampled per question")] = 5,
        max_tokens: Annotated[int, typer.Option(help="completion tokens per answer")] = 384,
        temperature: Annotated[float, typer.Option(help="sampling temperature")] = 0.8,
        text_key: Annotated[str, typer.Option(help="JSONL field holding the question")] = "question",
        limit: Annotated[int, typer.Option(help="read at most this many questions per task (-1: all)")] = -1,
        endpoint: EndpointOpt = None,
        model: ModelOpt = None,
        local: LocalOpt = False,
        executor: ExecutorOpt = "local",
        tasks: TasksOpt = None,
        workers: WorkersOpt = None,
        input_format: FormatOpt = "auto",
        dry_run: DryRunOpt = False,
    ) -> None:
        """Sample answers per question, majority-vote, drop questions where all or none agree (Phi-4)."""
        block = {"llm": llm_block(endpoint, model, local), "samples": samples, "max_tokens": max_tokens,
                 "temperature": temperature}
        run = {"name": "plurality", "output": str(output.resolve()),
               "input": {"paths": [str(p.resolve()) for p in inputs], "format": input_format, "text_key": text_key,
                         "limit": limit},
               "executor": executor_block(executor, tasks, workers)}
        run_plurality(run, block, dry_run)


def run_plurality(run: dict, block: dict, dry_run: bool = False) -> None:
    """Validate the run and plurality blocks, plan the two step groups and run them like a pipeline stage."""
    from pydantic import ValidationError

    from curate.config import format_validation_error, parse_config
    from curate.errors import CurateError
    from curate.pipeline import PlannedStage, run_id
    from curate.plurality.config import PluralityConfig
    from curate.plurality.stage import plan
    from curate.stage import StageContext

    try:
        cfg = parse_config(run, source="`curate plurality` options")
        pcfg = PluralityConfig.model_validate(block)
    except ValidationError as err:
        fail(format_validation_error(err, "`curate plurality` options"))
    except CurateError as err:
        fail(str(err))

    def planned() -> list:
        ctx = StageContext(output=Path(cfg.output), run_id=run_id(cfg), executor=cfg.executor, input=cfg.input)
        return [PlannedStage("plurality", plan(pcfg, ctx), ctx)]

    run_config(cfg, dry_run, plan=planned)
