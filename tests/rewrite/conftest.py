"""Fixtures for the rewrite and plurality tests: a few real extracted pages (the server: tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import write_jsonl
from tests.rewrite.rewrite_helpers import extract_pages


@pytest.fixture(scope="session")
def pages(shared_data, tmp_path_factory) -> Path:
    """A JSONL file of three real pages (extracted with trafilatura), each with an edu_score of 4."""
    return write_jsonl(tmp_path_factory.mktemp("pages") / "pages.jsonl",
                       [{"id": doc_id, "text": text, "edu_score": 4.0, "language": "en"}
                        for doc_id, text in extract_pages(shared_data).items()])
