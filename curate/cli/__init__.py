"""The ``curate`` command line.

``curate run CONFIG`` runs a whole pipeline from a YAML config; ``curate validate CONFIG`` checks one; each registered
stage also has a command generated from its config model that runs it alone on files or folders (``curate extract
IN... -o OUT``, :mod:`curate.cli.options`). Heavy imports happen inside the commands so that ``curate --help`` is
instant. Every :class:`~curate.errors.CurateError` raised below a command ends here, in one place: one ``error:``
message, no traceback, exit status 2.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

from curate.cli.options import stage_command
from curate.config import load_config, parse_config
from curate.errors import CurateError
from curate.stages import specs
from curate.stagespec import StageSpec


class _Group(TyperGroup):
    """The CLI's one error boundary (nested command groups run inside it too)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except CurateError as err:
            typer.secho(f"error: {err}", fg=typer.colors.RED, err=True)
            raise typer.Exit(2) from None


app = typer.Typer(
    name="curate",
    cls=_Group,
    help="Turn raw web crawls into a curated, decontaminated, weighted pretraining mixture.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="show datatrove's logs live (they always go to "
                                           "OUT/logs/)")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="print only errors and the final summary")]


def run_config(cfg, dry_run: bool, stages: list[str] | None = None, verbose: bool = False,
               quiet: bool = False) -> None:
    """Plan and run (or describe) a validated RunConfig: progress per stage, each stage's summary, the funnel."""
    from curate.cli.console import Console
    from curate.pipeline import describe, execute, plan_run

    planned = plan_run(cfg, stages)
    if dry_run:
        typer.echo(describe(cfg, planned))
        return
    console = Console(verbose=verbose, quiet=quiet)
    with console.capture(Path(cfg.output)):
        execute(cfg, planned, console)


def run_stage(spec: StageSpec, block: dict, run_options: dict, inputs: list[Path], output: Path,
              dry_run: bool, verbose: bool, quiet: bool) -> None:
    """Run one stage alone on files or folders, from the options of its generated command."""
    data = {"name": spec.name, "output": str(output), **run_options, spec.name: block}
    if spec.takes_inputs:
        data["input"] = {**run_options.get("input", {}), "paths": [str(p) for p in inputs]}
    cfg = parse_config(data, source=f"`curate {spec.name}` options", base=os.getcwd())
    run_config(cfg, dry_run, verbose=verbose, quiet=quiet)


@app.command()
def run(
    config: Annotated[Path, typer.Argument(help="the run's YAML config")],
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="override the config's output")] = None,
    executor: Annotated[Optional[str], typer.Option("--executor", "-e", help="local, slurm or ray")] = None,
    tasks: Annotated[Optional[int], typer.Option("--tasks", "-t", help="override executor.tasks")] = None,
    workers: Annotated[Optional[int], typer.Option("--workers", "-w", help="override executor.workers")] = None,
    stages: Annotated[Optional[str], typer.Option(help="run only these stages, comma-separated")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="print the resolved config and the steps")] = False,
    verbose: VerboseOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Run the pipeline described by CONFIG: every configured stage, in order, then the funnel and the run's page."""
    overrides = {"output": str(output.resolve()) if output else None, "executor.kind": executor,
                 "executor.tasks": tasks, "executor.workers": workers}
    cfg = load_config(config, {k: v for k, v in overrides.items() if v is not None})
    run_config(cfg, dry_run, [s.strip() for s in stages.split(",")] if stages else None, verbose, quiet)


@app.command()
def validate(config: Annotated[Path, typer.Argument(help="the run's YAML config")]) -> None:
    """Check CONFIG (keys, values, paths, models) without running anything."""
    from curate.pipeline import plan_run, preflight

    cfg = load_config(config)
    planned = plan_run(cfg)
    preflight(cfg, planned)
    typer.echo(f"{config}: valid; stages: {', '.join(p.name for p in planned)}; executor: {cfg.executor.kind}")


def _register() -> None:
    from curate.classify.cli import group as classifier
    from curate.cli.report import report
    from curate.cli.status import status

    for spec in specs():
        command = stage_command(spec, run_stage)
        if spec.commands:
            spec.register_commands(app, command)
        else:
            app.command(spec.name)(command)
    app.add_typer(classifier, name="classifier")
    app.command()(status)
    app.command()(report)


_register()
