"""``curate mixture``: count tokens per source, weight them against a budget, write the manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, List, Optional

import typer

from curate.cli_common import DryRunOpt, ExecutorOpt, OutputOpt, TasksOpt, WorkersOpt, executor_block, fail, run_config

SourceOpt = Annotated[List[str], typer.Option(
    "--source", "-s", help="NAME=PATH[:WEIGHT], repeatable: a folder of JSONL/Parquet documents and its share",
)]
BudgetOpt = Annotated[str, typer.Option("--budget", "-b", help="training tokens: 10T, 290B, 5M or an integer")]
TokenizerOpt = Annotated[Optional[str], typer.Option(
    "--tokenizer", help="tokenizer.json, *.tiktoken, SentencePiece model, or a shipped name (default gpt-neox-20b)",
)]


def register(app: typer.Typer) -> None:
    app.command("mixture")(mixture)
    app.command("mixture-verify")(mixture_verify)


def mixture(
    source: SourceOpt,
    budget: BudgetOpt,
    output: OutputOpt,
    tokenizer: TokenizerOpt = None,
    max_epochs: Annotated[float, typer.Option(help="warn when a source is repeated more than this")] = 10.0,
    cache_dir: Annotated[Optional[Path], typer.Option(help="token count cache (default OUTPUT/mixture/_cache)")] = None,
    megatron_prefix: Annotated[Optional[str], typer.Option(
        help="where preprocess_data.py writes the tokenized files (default OUTPUT/megatron)")] = None,
    batch_size: Annotated[int, typer.Option(help="documents tokenized per batch")] = 1000,
    executor: ExecutorOpt = "local",
    tasks: TasksOpt = None,
    workers: WorkersOpt = None,
    dry_run: DryRunOpt = False,
) -> None:
    """Count tokens of each source with a real tokenizer and write OUTPUT/manifest.yaml (Phi-4 Table 5 style).

    Example: curate mixture -s web=out/decontam:0.6 -s code=data/code:0.4 --budget 290B -o out
    """
    from curate.config import parse_config
    from curate.errors import CurateError

    try:
        sources = dict(_sources(source))
        block = {"budget": budget, "sources": sources, "tokenizer": _tokenizer(tokenizer), "max_epochs": max_epochs,
                 "batch_size": batch_size, "cache_dir": str(cache_dir.resolve()) if cache_dir else None,
                 "megatron_prefix": megatron_prefix}
        cfg = parse_config({"name": "mixture", "output": str(output.resolve()),
                            "executor": executor_block(executor, tasks, workers), "mixture": block},
                           source="`curate mixture` options")
    except CurateError as err:
        fail(str(err))
    run_config(cfg, dry_run)
    if not dry_run:
        typer.echo(f"manifest written to {output / 'manifest.yaml'} (and manifest.json); chart and summary in "
                   f"{output / 'report'}")


def _sources(specs: list[str]):
    from curate.errors import ConfigError
    from curate.mixture.config import parse_source_spec

    seen = set()
    for spec in specs:
        name, entry = parse_source_spec(spec)
        if name in seen:
            raise ConfigError(f"--source {spec!r}: the source {name!r} is given twice")
        seen.add(name)
        if "://" not in entry["path"]:
            entry["path"] = str(Path(entry["path"]).expanduser().resolve())
        yield name, entry


def _tokenizer(spec: str | None) -> str | None:
    """A tokenizer path relative to the working directory, made absolute; a shipped name stays as it is."""
    if spec is None or not Path(spec).expanduser().exists():
        return spec
    return str(Path(spec).expanduser().resolve())


def mixture_verify(
    manifest: Annotated[Path, typer.Argument(help="a manifest.yaml or manifest.json written by curate mixture")],
    recount: Annotated[bool, typer.Option(help="also re-tokenize every file with a plain loop and compare")] = True,
    text_key: Annotated[str, typer.Option(help="the field holding the document text")] = "text",
) -> None:
    """Check that MANIFEST still describes its files: same sha256 and (by default) the same token counts,
    recounted independently of the counting stage. Exits 1 on any difference."""
    from curate.errors import CurateError
    from curate.mixture.verify import verify_manifest

    try:
        findings = verify_manifest(manifest, recount=recount, text_key=text_key)
    except CurateError as err:
        fail(str(err))
    for f in findings:
        typer.echo(f"MISMATCH {f.source}: {f.path} {f.problem}".replace(":  ", ": "))
    if findings:
        raise typer.Exit(1)
    what = "hashes and token counts" if recount else "hashes"
    typer.echo(f"{manifest}: every file matches ({what})")
