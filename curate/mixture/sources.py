"""Where each source's documents are, and which files hold them.

A source is resolved at plan time into a :class:`Source`: a folder the user named, or an artifact of this run
(:data:`curate.mixture.config.PIPELINE_SOURCES`: ``web`` is the run's ``documents``, ``web_rewrites`` its ``rewrites``,
``synthetic`` the plurality stage's voted questions). A stage's folder may not exist yet when the run is planned, so the
files are listed when the counting tasks run (:func:`list_files`), identically in every task, and shared out by size
(:func:`assign`).
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


@dataclass(frozen=True)
class Source:
    """A resolved source: its folder (or file), and whether that is a stage's output of this run (then only its
    kept files are read, never its ``rejected/`` or ``_work/`` folders)."""

    name: str
    weight: float | None
    path: str
    glob: str | None = None
    text_key: str = "text"
    stage_output: bool = False

    def folder(self) -> Path | None:
        """The folder (or file) this source reads now; None when it does not exist (yet)."""
        return Path(self.path) if Path(self.path).exists() else None


@dataclass(frozen=True)
class FileEntry:
    source: str
    path: str
    size: int
    mtime_ns: int


def resolve_sources(cfg: MixtureConfig, ctx: StageContext) -> list[Source]:
    """The sources of a mixture; those without a path are this run's artifacts (all of them when none is named)."""
    configured = dict(cfg.sources) or {name: SourceConfig() for name, (artifact, _) in PIPELINE_SOURCES.items()
                                       if ctx.artifact(artifact) is not None}
    if not configured:
        raise ConfigError(
            "mixture: no sources; name them (mixture.sources: {code: {path: data/code, weight: 0.2}}, or "
            "--source code=data/code:0.2), or run mixture after other stages so `web` defaults to their output"
        )
    sources = [_resolve(name, sc, ctx) for name, sc in configured.items()]
    missing = [f"{s.name}: {s.path}" for s in sources if not s.stage_output and s.folder() is None]
    if missing:
        raise ConfigError(f"mixture source folder(s) not found: {'; '.join(missing)}; fix the path(s)")
    return sources


def _resolve(name: str, sc: SourceConfig, ctx: StageContext) -> Source:
    common = {"name": name, "weight": sc.weight, "glob": sc.glob, "text_key": sc.text_key}
    if sc.path is not None:
        if "://" in sc.path:
            raise ConfigError(f"mixture.sources.{name}: {sc.path} is remote; the mixture reads local or mounted "
                              "folders (a shared filesystem on Slurm), so give a local path")
        path = Path(sc.path).resolve()
        return Source(path=str(path), stage_output=path.is_relative_to(ctx.output.resolve()), **common)
    if name not in PIPELINE_SOURCES:
        raise ConfigError(f"mixture.sources.{name}: no path; give the folder of its documents ({name}: {{path: ...}})")
    artifact, maker = PIPELINE_SOURCES[name]
    folder = ctx.artifact(artifact)
    if folder is None:
        raise ConfigError(f"mixture.sources.{name}: no path, and {maker} stage does not run before mixture; give "
                          f"{name} a path")
    return Source(path=str(folder), stage_output=True, **common)


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
