"""Reading and writing the small JSON and JSONL files curate keeps beside the data (reports, records, counts)."""

from __future__ import annotations

import gzip
import json
import os
from collections import Counter
from pathlib import Path
from typing import Iterator

from curate.errors import CurateError


def open_text(path: str | Path):
    """Open a text file for reading, transparently gunzipping ``.gz`` files."""
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
    """Write JSON so that a reader never sees half a file (write aside, then rename); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(payload, indent=indent, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)
    return path
