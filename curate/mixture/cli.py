"""``curate mixture`` (generated from the mixture block) and ``curate mixture-verify``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer, command) -> None:
    app.command("mixture")(command)
    app.command("mixture-verify")(mixture_verify)


def mixture_verify(
    manifest: Annotated[Path, typer.Argument(help="a manifest.yaml or manifest.json written by curate mixture")],
    recount: Annotated[bool, typer.Option(help="also re-tokenize every file with a plain loop and compare")] = True,
    text_key: Annotated[str, typer.Option(help="the field holding the document text")] = "text",
) -> None:
    """Check that MANIFEST still describes its files: same sha256 and (by default) the same token counts,
    recounted independently of the counting stage. Exits 1 on any difference."""
    from curate.mixture.verify import verify_manifest

    findings = verify_manifest(manifest, recount=recount, text_key=text_key)
    for f in findings:
        typer.echo(f"MISMATCH {f.source}: {f.path} {f.problem}".replace(":  ", ": "))
    if findings:
        raise typer.Exit(1)
    what = "hashes and token counts" if recount else "hashes"
    typer.echo(f"{manifest}: every file matches ({what})")
