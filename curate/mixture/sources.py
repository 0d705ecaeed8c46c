"""Where each source's documents are, and which files hold them.

A source is resolved at plan time into a :class:`Source`: one folder the user named, or the kept folder of a stage of
this run (``web``, ``web_rewrites`` and ``synthetic`` default to those: the corpus, the rewrite stage's rewrites,
the plurality stage's voted questions). A stage's folder may not exist yet when the run is planned,
so the files are listed when the counting tasks run (:func:`list_files`), identically in every task, and shared
out by size (:func:`assign`).
"""

from __future__ import annotations

import heapq
import os
from dataclasses import dataclass
from pathlib import Path

from curate.accounting import KEPT_GLOB
from curate.errors import ConfigError
from curate.mixture.config import PIPELINE_SOURCES, MixtureConfig, SourceConfig
from curate.stage import StageContext

DOCUMENT_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst", ".jsonl.bz2", ".jsonl.xz", ".parquet")
# document stages whose kept folder is the `web` source, latest first (the rewrite stage's output is web_rewrites)
WEB_STAGES = ("decontam", "score", "dedup", "extract")


@dataclass(frozen=True)
class Source:
    """A resolved source. ``candidates``: folders tried in order, the first that exists is read (one for a path
    the user named; several for ``web`` behind a rewrite stage, where the stage before rewrite is not known until
    the run has produced it). ``stage_output``: a folder written by this run's stages (its kept files only)."""

    name: str
    weight: float | None
    candidates: tuple[str, ...]
    glob: str | None = None
    text_key: str = "text"
    stage_output: bool = False

    def folder(self) -> Path | None:
        """The folder (or file) this source reads now; None when none of its candidates exists."""
        return next((Path(c) for c in self.candidates if Path(c).exists()), None)


@dataclass(frozen=True)
class FileEntry:
    source: str
    path: str
    size: int
    mtime_ns: int


def resolve_sources(cfg: MixtureConfig, ctx: StageContext) -> list[Source]:
    """The sources of a mixture, with ``web``/``web_rewrites``/``synthetic`` defaulting to this run's outputs."""
    configured = dict(cfg.sources)
    if not configured:
        if ctx.upstream is None:
            raise ConfigError(
                "mixture: no sources; name them (mixture.sources: {code: {path: data/code, weight: 0.2}}, or "
                "--source code=data/code:0.2), or run mixture after other stages so `web` defaults to their output"
            )
        configured = {"web": SourceConfig()}
        if ctx.upstream.name == "rewrite":
            configured["web_rewrites"] = SourceConfig()
        if "plurality" in ctx.stages:
            configured["synthetic"] = SourceConfig()
    sources = [_resolve(name, sc, ctx) for name, sc in configured.items()]
    missing = [f"{s.name}: {s.candidates[0]}" for s in sources if not s.stage_output and s.folder() is None]
    if missing:
        raise ConfigError(f"mixture source folder(s) not found: {'; '.join(missing)}; fix the path(s)")
    return sources


def _resolve(name: str, sc: SourceConfig, ctx: StageContext) -> Source:
    common = {"name": name, "weight": sc.weight, "glob": sc.glob, "text_key": sc.text_key}
    if sc.path is not None:
        if "://" in sc.path:
            raise ConfigError(f"mixture.sources.{name}: {sc.path} is remote; the mixture reads local or mounted "
                              "folders (a shared filesystem on Slurm), so give a local path")
        path = Path(sc.path).expanduser().resolve()
        return Source(candidates=(str(path),), stage_output=_inside(path, ctx.output), **common)
    upstream = ctx.upstream
    if name == "synthetic" and "plurality" in ctx.stages:
        return Source(candidates=(str(ctx.kept_dir("plurality")),), stage_output=True, **common)
    if name == "web_rewrites" and upstream is not None and upstream.name == "rewrite":
        return Source(candidates=(str(upstream),), stage_output=True, **common)
    if name == "web" and upstream is not None:
        if upstream.name != "rewrite":
            return Source(candidates=(str(upstream),), stage_output=True, **common)
        return Source(candidates=tuple(str(ctx.kept_dir(s)) for s in WEB_STAGES), stage_output=True, **common)
    if name in PIPELINE_SOURCES:
        stage = {"web": "decontam (or any document stage)", "web_rewrites": "rewrite", "synthetic": "plurality"}[name]
        raise ConfigError(f"mixture.sources.{name}: no path, and the {stage} stage does not run before mixture; "
                          f"give {name} a path")
    raise ConfigError(f"mixture.sources.{name}: no path; give the folder of its documents ({name}: {{path: ...}})")


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def list_files(source: Source) -> list[FileEntry]:
    """The document files of a source, sorted by path (empty when its folder does not exist)."""
    root = source.folder()
    if root is None:
        return []
    if root.is_file():
        paths = [root]
    elif source.glob:
        paths = [p for p in root.glob(source.glob) if p.is_file()]
    elif source.stage_output:
        paths = [p for p in root.glob(KEPT_GLOB) if p.is_file()]  # a stage's kept files, never its rejects
    else:
        paths = list(_walk_documents(root))
    entries = []
    for p in sorted(paths):
        st = p.stat()
        entries.append(FileEntry(source.name, str(p), st.st_size, st.st_mtime_ns))
    return entries


def _walk_documents(root: Path):
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != "rejected" and not d.startswith(("_", "."))]
        for f in files:
            if f.endswith(DOCUMENT_SUFFIXES):
                yield Path(folder) / f


def assign(files: list[FileEntry], tasks: int) -> list[list[FileEntry]]:
    """Share files among tasks, largest first to the least loaded task; the same in every task."""
    shares: list[list[FileEntry]] = [[] for _ in range(tasks)]
    heap = [(0, rank) for rank in range(tasks)]
    for entry in sorted(files, key=lambda e: (-e.size, e.source, e.path)):
        load, rank = heapq.heappop(heap)
        shares[rank].append(entry)
        heapq.heappush(heap, (load + max(entry.size, 1), rank))
    return shares
