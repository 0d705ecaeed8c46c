"""Options and helpers shared by every ``curate`` command.

Keep this module light (typer and the standard library only): it is imported for ``curate --help``.
Every stage command takes the same executor options (``--executor``, ``--tasks``, ``--workers``, ``--dry-run``) and
runs through :func:`run_stage_command`, which builds the same typed config a YAML file would.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

OutputOpt = Annotated[Path, typer.Option("--output", "-o", help="output folder of the run")]
ExecutorOpt = Annotated[str, typer.Option("--executor", "-e", help="local, slurm or ray")]
TasksOpt = Annotated[Optional[int], typer.Option("--tasks", "-t", help="number of shards (datatrove tasks)")]
WorkersOpt = Annotated[Optional[int], typer.Option("--workers", "-w", help="tasks run at once (-1: all)")]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="print the resolved config and the steps; run nothing")]
FormatOpt = Annotated[str, typer.Option("--format", help="input format: auto, warc, wet, html, jsonl, parquet")]


def fail(message: str) -> None:
    """Print a user-facing error and exit with status 2 (no traceback)."""
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


def executor_block(executor: str, tasks: int | None, workers: int | None) -> dict[str, Any]:
    block: dict[str, Any] = {"kind": executor}
    if tasks is not None:
        block["tasks"] = tasks
    if workers is not None:
        block["workers"] = workers
    return block


def run_config(cfg, dry_run: bool, stages: list[str] | None = None, plan=None) -> None:
    """Plan and run (or describe) a validated RunConfig, turning user errors into clean messages.

    ``plan`` (a function of no arguments returning planned stages) replaces the config's own stage plan, for
    commands such as ``curate plurality`` that run a stage outside the pipeline order.
    """
    from curate.errors import CurateError
    from curate.pipeline import describe, execute, plan_run

    try:
        planned = plan() if plan is not None else plan_run(cfg, stages)
        if dry_run:
            typer.echo(describe(cfg, planned))
            return
        execute(cfg, planned, echo=typer.echo)
    except CurateError as err:
        fail(str(err))
    except ImportError as err:  # a dependency of a stage is not installed
        fail(f"{err}; install the missing package (bash scripts/setup.sh installs everything)")


def run_stage_command(
    stage: str,
    inputs: list[Path],
    output: Path,
    block: dict[str, Any],
    executor: str = "local",
    tasks: int | None = None,
    workers: int | None = None,
    dry_run: bool = False,
    input_format: str = "auto",
) -> None:
    """Run one stage on files or folders without a config file (dolma-style), e.g. ``curate extract IN -o OUT``."""
    from curate.config import parse_config
    from curate.errors import CurateError

    data = {
        "name": stage,
        "output": str(output.resolve()),
        "input": {"paths": [str(p.resolve()) for p in inputs], "format": input_format},
        "executor": executor_block(executor, tasks, workers),
        stage: block,
    }
    try:
        cfg = parse_config(data, source=f"`curate {stage}` options")
    except CurateError as err:
        fail(str(err))
    run_config(cfg, dry_run)
