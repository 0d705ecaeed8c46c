"""``curate decontam``: run the stage on files, build an index alone, or audit a finished run.

``curate decontam INPUT... --benchmark NAME=PATH -o OUT`` is short for ``curate decontam run ...``: a first
argument that is not a subcommand name (``run``, ``index``, ``audit``) is taken as an input of ``run``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

from curate.cli_common import DryRunOpt, ExecutorOpt, FormatOpt, OutputOpt, TasksOpt, WorkersOpt, fail

BenchmarkOpt = Annotated[
    Optional[list[str]],
    typer.Option("--benchmark", "-b", help="NAME=PATH of a benchmark test set (repeat); NAME picks the loader: "
                                           "gsm8k, humaneval, mbpp, mmlu, math, math500, arc, else generic JSONL"),
]
IndexOpt = Annotated[Optional[Path], typer.Option("--index", help="index folder (reused if built, else built there)")]
AllowOpt = Annotated[Optional[Path], typer.Option(help="reference corpus whose common n-grams are allow-listed")]


class _DefaultRunGroup(TyperGroup):
    """A group that runs ``run`` when its first argument is not one of its subcommands."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


def _benchmarks(specs: list[str] | None) -> list[dict]:
    from curate.benchmarks import parse_benchmark_arg
    from curate.errors import CurateError

    out = []
    for spec in specs or []:
        try:
            name, path = parse_benchmark_arg(spec)
        except CurateError as err:
            fail(str(err))
        out.append({"name": name, "path": str(Path(path).resolve())})
    return out


def register(app: typer.Typer) -> None:
    sub = typer.Typer(cls=_DefaultRunGroup, no_args_is_help=True, help="Remove documents that overlap benchmark "
                      "test sets (Phi-4's 13/7-gram method) and audit the result.")
    app.add_typer(sub, name="decontam")

    @sub.command("run")
    def run(
        inputs: Annotated[list[Path], typer.Argument(help="documents (JSONL/Parquet or crawl files), files/folders")],
        output: OutputOpt,
        benchmark: BenchmarkOpt = None,
        index: IndexOpt = None,
        allowlist_corpus: AllowOpt = None,
        contaminated_ratio: Annotated[float, typer.Option(help="7-gram ratio for contaminated")] = 0.3,
        partial_ratio: Annotated[float, typer.Option(help="7-gram ratio for partial")] = 0.15,
        on_contaminated: Annotated[str, typer.Option(help="drop or flag")] = "drop",
        on_partial: Annotated[str, typer.Option(help="flag or drop")] = "flag",
        fuzzy: Annotated[bool, typer.Option("--fuzzy", help="also run the LSH Ensemble near-verbatim pass")] = False,
        input_format: FormatOpt = "auto",
        executor: ExecutorOpt = "local",
        tasks: TasksOpt = None,
        workers: WorkersOpt = None,
        dry_run: DryRunOpt = False,
    ) -> None:
        """Check documents against benchmark test sets; drop contaminated ones and write the audit.

        Kept documents go to OUTPUT/decontam/, contaminated ones to OUTPUT/decontam/rejected/contaminated/, the
        audit to OUTPUT/report/contamination.jsonl and contamination.html.
        """
        from curate.cli_common import run_stage_command

        block = {"benchmarks": _benchmarks(benchmark), "contaminated_ratio": contaminated_ratio,
                 "partial_ratio": partial_ratio, "on_contaminated": on_contaminated, "on_partial": on_partial,
                 "fuzzy": fuzzy}
        if index is not None:
            block["index"] = str(index.resolve())
        if allowlist_corpus is not None:
            block["allowlist_corpus"] = str(allowlist_corpus.resolve())
        run_stage_command("decontam", inputs, output, block, executor, tasks, workers, dry_run, input_format)

    @sub.command("index")
    def build(
        output: Annotated[Path, typer.Option("--output", "-o", help="the index folder to write")],
        benchmark: BenchmarkOpt = None,
        allowlist_corpus: AllowOpt = None,
        fuzzy: Annotated[bool, typer.Option("--fuzzy", help="also build the LSH Ensemble for the fuzzy pass")] = False,
    ) -> None:
        """Build a benchmark index once (for `--index`, or for the rewrite stage's decontam_index)."""
        from curate.decontam.build import ensure_index
        from curate.decontam.config import DecontamConfig
        from curate.errors import CurateError

        try:
            cfg = DecontamConfig(benchmarks=_benchmarks(benchmark), fuzzy=fuzzy, allowlist_corpus=(
                str(allowlist_corpus.resolve()) if allowlist_corpus else None))
            ensure_index(cfg, output, log=typer.echo)
        except (CurateError, ValueError) as err:
            fail(str(err))

    @sub.command("audit")
    def audit(folder: Annotated[Path, typer.Argument(help="a run's output folder (or its report/ folder)")]) -> None:
        """Print the per-benchmark contamination summary of a finished run."""
        from curate.errors import CurateError
        from curate.report.contamination import load_summary, render_text

        try:
            typer.echo(render_text(load_summary(folder)))
        except CurateError as err:
            fail(str(err))
