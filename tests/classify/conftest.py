"""Small real labelled data for the classifier tests: trafilatura-eval snippets of the first pages."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from curate.classify.data import write_jsonl
from curate.classify.tasks import content_snippets

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def snippets(shared_data) -> list[dict]:
    """Content/boilerplate snippets of the first 120 pages (about 700 records, both classes)."""
    records = content_snippets(shared_data)
    pages = list(dict.fromkeys(r["page"] for r in records))[:120]
    keep = set(pages)
    return [r for r in records if r["page"] in keep]


@pytest.fixture()
def content_recipe(tmp_path, snippets) -> Path:
    """A copy of classifiers/content with its data file written from ``snippets``."""
    folder = tmp_path / "content"
    folder.mkdir()
    shutil.copy(REPO / "classifiers" / "content" / "recipe.yaml", folder / "recipe.yaml")
    (folder / "_data").mkdir()
    write_jsonl(folder / "_data" / "content.jsonl", snippets)
    return folder
