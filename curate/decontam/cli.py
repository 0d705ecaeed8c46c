"""``curate decontam``: run the stage on files, build an index alone, or audit a finished run.

``curate decontam INPUT... --benchmark NAME=PATH -o OUT`` is short for ``curate decontam run ...``: a first
argument that is not a subcommand name (``run``, ``index``, ``audit``) is taken as an input of ``run``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

from curate.cli.options import field_at
from curate.configbase import validate
from curate.decontam.config import BENCHMARK_OPT, DecontamConfig


class _DefaultRunGroup(TyperGroup):
    """A group that runs ``run`` when its first argument is not one of its subcommands."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


def register(app: typer.Typer, run) -> None:
    sub = typer.Typer(cls=_DefaultRunGroup, no_args_is_help=True, help="Remove documents that overlap benchmark "
                      "test sets (Phi-4's 13/7-gram method) and audit the result.")
    app.add_typer(sub, name="decontam")
    sub.command("run")(run)
    sub.command("index")(build)
    sub.command("audit")(audit)


def build(
    output: Annotated[Path, typer.Option("--output", "-o", help="the index folder to write")],
    benchmark: Annotated[Optional[list[str]], typer.Option(*BENCHMARK_OPT.names, help=BENCHMARK_OPT.help)] = None,
    allowlist_corpus: Annotated[Optional[Path], typer.Option(
        help=field_at(DecontamConfig, "allowlist_corpus").description)] = None,
    fuzzy: Annotated[bool, typer.Option("--fuzzy", help=field_at(DecontamConfig, "fuzzy").description)] = False,
) -> None:
    """Build a benchmark index once (for `--index`, or for the rewrite stage's decontam_index)."""
    from curate.decontam.build import ensure_index

    block = {"benchmarks": BENCHMARK_OPT.parse(benchmark or []), "fuzzy": fuzzy,
             "allowlist_corpus": str(allowlist_corpus) if allowlist_corpus else None}
    cfg = validate(DecontamConfig, block, "`curate decontam index` options", base=Path.cwd())
    ensure_index(cfg, output, log=typer.echo)


def audit(folder: Annotated[Path, typer.Argument(help="a run's output folder (or its report/ folder)")]) -> None:
    """Print the per-benchmark contamination summary of a finished run."""
    from curate.report.contamination import load_summary, render_text

    typer.echo(render_text(load_summary(folder)))
