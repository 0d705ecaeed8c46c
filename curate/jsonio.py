"""Reading and writing the small JSON and JSONL files curate keeps beside the data (reports, records, counts)."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path
from typing import Iterator

from curate.errors import CurateError
from curate.storage import is_url, location, open_file, write_json


def open_text(path: str | Path):
    """Open a text file (local, or a URL) for reading, transparently gunzipping ``.gz`` files."""
    if is_url(path):
        return open_file(str(path), "rt", encoding="utf-8", compression="infer")
    path = Path(path)
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def iter_jsonl(path: str | Path, skipped: Counter | None = None) -> Iterator[tuple[int, dict]]:
    """(line number, record) of each JSON object line of a JSONL file (``.gz`` too), blank lines skipped.

    A line that is not a JSON object stops with a message naming it, or, given a ``skipped`` counter, is counted
    there (as ``invalid_json``) and skipped.
    """
    with open_text(path) as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                if skipped is None:
                    raise CurateError(f"{path}:{lineno}: not valid JSON ({err.msg}); is this a JSONL file?") from None
                record = None
            if isinstance(record, dict):
                yield lineno, record
            elif skipped is not None:
                skipped["invalid_json"] += 1


def write_json_atomic(path: str | Path, payload, indent: int | None = None) -> Path:
    """Write JSON so that a reader never sees half a file (:func:`curate.storage.write_json`: a local file or a
    URL); returns the path."""
    write_json(path, payload, indent)
    return location(path)
