"""Documents for the score-stage tests: the main text of real pages (trafilatura-eval), in two JSONL files."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from tests.helpers import write_jsonl

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def page_docs(shared_data, tmp_path_factory) -> Path:
    """A folder with two JSONL files (so two tasks each get one), 24 extracted pages in all."""
    import trafilatura

    evaldata = json.loads((shared_data / "trafilatura-eval" / "evaldata.json").read_text(encoding="utf-8"))
    docs = []
    for url, entry in list(evaldata.items())[:40]:
        with gzip.open(shared_data / "trafilatura-eval" / "html" / f"{entry['file']}.gz", "rt",
                       encoding="utf-8", errors="replace") as f:
            text = trafilatura.extract(f.read())
        if text:
            docs.append({"id": url, "text": text})
        if len(docs) == 24:
            break
    folder = tmp_path_factory.mktemp("pages")
    for i, half in enumerate((docs[:12], docs[12:])):
        write_jsonl(folder / f"part{i}.jsonl", half)
    return folder


@pytest.fixture(scope="session")
def content_classifier() -> Path:
    """The shipped, trained content classifier."""
    return REPO / "classifiers" / "content"


@pytest.fixture(scope="session")
def topic_classifier() -> Path:
    return REPO / "classifiers" / "topic"
