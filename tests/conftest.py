"""Fixtures shared by every test module."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The project's real test data: ../shared/data beside the checkout (or $CURATE_SHARED_DATA)."""
    path = Path(os.environ.get("CURATE_SHARED_DATA", REPO.parent / "shared" / "data"))
    if not path.is_dir():
        raise RuntimeError(f"shared test data not found at {path}; set CURATE_SHARED_DATA")
    return path
