"""Bounded reads of a run's document files: a few sample documents, or one metadata key over at most N documents.

A run can hold billions of documents; the page reads only what it shows. Files are read in sorted order and each
read stops as soon as it has enough, so the cost depends on the page's limits, not on the size of the run.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from curate.accounting import KEPT_GLOB

SAMPLES_PER_FOLDER = 3  # documents shown per drop reason or edit rule
SAMPLE_CHARS = 4000  # characters of each sample's text put in the page
SCAN_LIMIT = 20_000  # documents read for a histogram or a language count
_SHOWN_METADATA = ("url", "language", "lines_removed", "chars_removed",
                   "dedup_cluster", "dedup_cluster_size", "source_id", "style")


@dataclass
class Sample:
    """One document as the page shows it: its id, the start of its text and a few telling metadata keys."""

    id: str
    text: str
    chars: int
    metadata: dict = field(default_factory=dict)

    @property
    def clipped(self) -> bool:
        return self.chars > len(self.text)


def iter_documents(folder: Path, pattern: str = KEPT_GLOB) -> Iterator[dict]:
    """Documents of the ``pattern`` files directly in ``folder`` (none if it does not exist), file by file in
    name order. A line that is not JSON (a file cut short by a killed task) ends that file's reading."""
    if not folder.is_dir():
        return
    for path in sorted(folder.glob(pattern)):
        try:
            with gzip.open(path, "rt", encoding="utf-8", errors="replace") as fh:
                for line in fh:
                    if line.strip():
                        yield json.loads(line)
        except (OSError, EOFError, ValueError):
            continue


def samples(folder: Path, n: int = SAMPLES_PER_FOLDER) -> list[Sample]:
    """The first ``n`` documents of a folder of ``*.jsonl.gz`` files (a drop reason's or an edit rule's)."""
    out = []
    for doc in iter_documents(folder):
        text = doc.get("text") or ""
        meta = doc.get("metadata") or {}
        shown = {k: meta[k] for k in _SHOWN_METADATA if k in meta}
        out.append(Sample(str(doc.get("id", "")), text[:SAMPLE_CHARS], len(text), shown))
        if len(out) >= n:
            break
    return out


def metadata_values(folders: list[Path], keys: set[str] | None, limit: int = SCAN_LIMIT) -> tuple[dict, int]:
    """Per metadata key, its values over the first ``limit`` documents of ``folders`` (in order), and how many
    documents were read. ``keys=None`` collects every key whose value is a number or a string."""
    values: dict[str, list] = {}
    read = 0
    for folder in folders:
        for doc in iter_documents(folder):
            if read >= limit:
                return values, read
            read += 1
            for key, value in (doc.get("metadata") or {}).items():
                if (keys is None or key in keys) and isinstance(value, (int, float, str)):
                    values.setdefault(key, []).append(value)
    return values, read


def subfolders(folder: Path) -> list[Path]:
    """The subfolders of ``folder`` in name order (the drop reasons of ``rejected/``, the rules of ``edits/``)."""
    return sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []
