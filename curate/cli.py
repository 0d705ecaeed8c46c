"""The ``curate`` command line.

``curate run CONFIG`` runs a whole pipeline from a YAML config; ``curate validate CONFIG`` checks one; each stage
also has its own command that runs it alone on files or folders (``curate extract IN... -o OUT``). Heavy imports
happen inside the commands so that ``curate --help`` is instant.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Annotated, Optional

import typer

from curate.cli_common import (
    DryRunOpt,
    TasksOpt,
    WorkersOpt,
    executor_block,
    fail,
    run_config,
)

app = typer.Typer(
    name="curate",
    help="Turn raw web crawls into a curated, decontaminated, weighted pretraining mixture.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# modules that add their stage's commands to `app` through a `register(app)` function
_COMMAND_MODULES = (
    "curate.extract.cli",
    "curate.dedup.cli",
    "curate.score.cli",
    "curate.classify.cli",
    "curate.decontam.cli",
    "curate.mixture.cli",
    "curate.rewrite.cli",
    "curate.seeds.cli",
    "curate.plurality.cli",
    "curate.status",
)


def _load(config: Path, output: Optional[Path], executor: Optional[str], tasks, workers):
    from curate.config import load_config
    from curate.errors import CurateError

    overrides = {}
    if output is not None:
        overrides["output"] = str(output.resolve())
    if executor is not None or tasks is not None or workers is not None:
        block = executor_block(executor or "local", tasks, workers)
        if executor is None:
            block.pop("kind")
        overrides.update({f"executor.{k}": v for k, v in block.items()})
    try:
        return load_config(config, overrides)
    except CurateError as err:
        fail(str(err))


@app.command()
def run(
    config: Annotated[Path, typer.Argument(help="the run's YAML config")],
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="override the config's output")] = None,
    executor: Annotated[Optional[str], typer.Option("--executor", "-e", help="local, slurm or ray")] = None,
    tasks: TasksOpt = None,
    workers: WorkersOpt = None,
    stages: Annotated[Optional[str], typer.Option(help="run only these stages, comma-separated")] = None,
    dry_run: DryRunOpt = False,
) -> None:
    """Run the pipeline described by CONFIG: every configured stage, in order, then the funnel report."""
    cfg = _load(config, output, executor, tasks, workers)
    run_config(cfg, dry_run, [s.strip() for s in stages.split(",")] if stages else None)


@app.command()
def validate(config: Annotated[Path, typer.Argument(help="the run's YAML config")]) -> None:
    """Check CONFIG (keys, values, paths) without running anything."""
    from curate.errors import CurateError
    from curate.pipeline import plan_run, preflight

    cfg = _load(config, None, None, None, None)
    try:
        planned = plan_run(cfg)
        preflight(cfg, planned)
    except CurateError as err:
        fail(str(err))
    typer.echo(f"{config}: valid; stages: {', '.join(p.name for p in planned)}; executor: {cfg.executor.kind}")


for _module in _COMMAND_MODULES:
    importlib.import_module(_module).register(app)
