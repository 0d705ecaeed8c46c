"""The generic loader: any JSONL, CSV (with a header row) or Parquet file, with a field mapping."""

from __future__ import annotations

from pathlib import Path

from curate.benchmarks.base import BenchmarkItem, FieldMap, choice_item, field, files_in, iter_csv_rows
from curate.errors import CurateError
from curate.jsonio import iter_jsonl

_SUFFIXES = {".jsonl": "jsonl", ".json": "jsonl", ".csv": "csv", ".parquet": "parquet"}


def _records(file: Path):
    """(record number, dict) for one file, by its extension (``.gz`` allowed for JSONL and CSV)."""
    suffix = Path(file.name.removesuffix(".gz")).suffix
    kind = _SUFFIXES.get(suffix)
    if kind == "jsonl":
        yield from iter_jsonl(file)
    elif kind == "csv":
        yield from iter_csv_rows(file, header=True)
    elif kind == "parquet":
        import polars as pl

        for i, rec in enumerate(pl.read_parquet(file).iter_rows(named=True), 1):
            yield i, rec
    else:
        raise CurateError(f"{file}: unknown benchmark file type; use .jsonl, .csv or .parquet (optionally .gz)")


def _choices(value) -> list[tuple[str, str]]:
    """``(label, text)`` options from a list of strings, a list of ``{label, text}`` dicts or a ``{label: text}``
    mapping (labels default to A, B, C...)."""
    if isinstance(value, dict):
        return [(str(k), str(v)) for k, v in value.items()]
    if isinstance(value, (list, tuple)):
        pairs = []
        for i, opt in enumerate(value):
            if isinstance(opt, dict):
                pairs.append((str(opt.get("label", chr(65 + i))), str(opt.get("text", ""))))
            else:
                pairs.append((chr(65 + i), str(opt)))
        return pairs
    return [("A", str(value))]


def load_generic(path: Path, name: str, fields: FieldMap | None = None) -> list[BenchmarkItem]:
    """Items from every JSONL/CSV/Parquet file at ``path``, mapping record fields with ``fields``.

    The question field is required; the answer and solution fields are optional in the records. With a choices
    field, an answer that is one of the options' labels stands for that option's text.
    """
    fields = fields or FieldMap()
    items = []
    for file in files_in(path, ("*.jsonl", "*.jsonl.gz", "*.parquet", "*.csv", "*.json")):
        for n, rec in _records(file):
            where = f"{file}: record {n}"
            question = field(rec, fields.question, where)
            answer = field(rec, fields.answer, where) if fields.answer in rec else ""
            solution = field(rec, fields.solution, where) if fields.solution and fields.solution in rec else ""
            item_id = str(rec.get(fields.id, f"{file.stem}:{n}"))
            if fields.choices and rec.get(fields.choices) is not None:
                items.append(choice_item(name, item_id, question, _choices(rec[fields.choices]), answer, solution))
            else:
                items.append(BenchmarkItem(name, item_id, question, answer, solution=solution))
    return items
