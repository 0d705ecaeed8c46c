"""Fixtures for the rewrite and plurality tests: a real llama.cpp server and a few real extracted pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from curate.llm import LlamaServer
from tests.helpers import write_jsonl
from tests.rewrite.rewrite_helpers import extract_pages


@pytest.fixture(scope="session")
def llm_server(tmp_path_factory):
    """One llama.cpp server on loopback for the session's rewrite/plurality tests; always stopped at the end."""
    with LlamaServer(log_path=tmp_path_factory.mktemp("llama") / "server.log") as server:
        yield server


@pytest.fixture(scope="session")
def pages(shared_data, tmp_path_factory) -> Path:
    """A JSONL file of three real pages (extracted with trafilatura), each with an edu_score of 4."""
    return write_jsonl(tmp_path_factory.mktemp("pages") / "pages.jsonl",
                       [{"id": doc_id, "text": text, "edu_score": 4.0, "language": "en"}
                        for doc_id, text in extract_pages(shared_data).items()])
