"""The item type every loader returns, and the small file helpers the loaders share."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from curate.errors import CurateError
from curate.jsonio import open_text


@dataclass(frozen=True)
class BenchmarkItem:
    """One test item, kept in the parts a web page may carry apart.

    ``question`` is the stem (a multiple-choice item's question without its options; the whole prompt otherwise),
    ``options`` the choices' texts (``labels`` their letters or numbers), ``answer`` the correct answer's text (the
    right option's text, GSM8K's number after ``####``, MATH's ``\\boxed{}`` content) and ``solution`` the worked
    solution or reference code. :attr:`prompt` rebuilds the item as a model sees it at evaluation time.
    """

    benchmark: str
    item_id: str
    question: str
    answer: str = ""
    options: tuple[str, ...] = ()
    solution: str = ""
    labels: tuple[str, ...] = ()

    @property
    def prompt(self) -> str:
        """The stem followed by the options as ``A. text`` lines (the layout most evaluation harnesses use)."""
        if not self.options:
            return self.question
        labels = self.labels or tuple(chr(65 + i) for i in range(len(self.options)))
        return f"{self.question}\n{format_choices(list(zip(labels, self.options)))}"


def choice_item(benchmark: str, item_id: str, stem: str, choices: list[tuple[str, str]], key: str,
                solution: str = "") -> BenchmarkItem:
    """A multiple-choice item from ``(label, text)`` choices and the answer key (a label, or the answer's text)."""
    texts = dict(choices)
    return BenchmarkItem(benchmark, item_id, stem, texts.get(key.strip(), key), tuple(t for _, t in choices),
                         solution, tuple(label for label, _ in choices))


@dataclass(frozen=True)
class FieldMap:
    """Which record fields hold the id, the question, the answer and (optionally) the options and a solution.

    ``question`` may name several fields joined with ``+`` (``"context+question"``); a missing id field numbers the
    records in file order.
    """

    question: str = "question"
    answer: str = "answer"
    id: str = "id"
    choices: str | None = None
    solution: str | None = None


def iter_csv_rows(path: Path, header: bool) -> Iterator[tuple[int, dict | list]]:
    """(row number, row) for a CSV file: dicts when it has a header row, lists otherwise."""
    with open_text(path) as fh:
        reader = csv.DictReader(fh) if header else csv.reader(fh)
        for rowno, row in enumerate(reader, 1):
            yield rowno, row


def files_in(path: Path, patterns: tuple[str, ...]) -> list[Path]:
    """``path`` itself if it is a file, else the files under it matching the first pattern that matches any."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise CurateError(f"benchmark path not found: {path}; give the benchmark's file or folder")
    for pattern in patterns:
        found = sorted(p for p in path.rglob(pattern) if p.is_file())
        if found:
            return found
    raise CurateError(f"no benchmark file in {path} (looked for {', '.join(patterns)})")


def field(record: dict, name: str, where: str) -> str:
    """A record's field as text (``a+b`` joins several fields), or a message naming the missing field."""
    parts = []
    for key in name.split("+"):
        if key not in record:
            keys = ", ".join(sorted(record)) or "none"
            raise CurateError(f"{where}: no field {key!r} (fields: {keys}); map the right one in the benchmark spec")
        value = record[key]
        parts.append(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
    return "\n".join(parts)


def format_choices(choices: list[tuple[str, str]]) -> str:
    """Multiple-choice options in the usual prompt layout: ``A. text`` one per line."""
    return "\n".join(f"{label}. {text}" for label, text in choices)
