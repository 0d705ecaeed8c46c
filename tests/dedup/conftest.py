"""Fixtures for the dedup tests: real text from the textreuse-corpora books."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cluster.fixture import slurm_cluster  # noqa: F401  (the session-scoped cluster, for test_dedup_slurm)


@pytest.fixture(scope="session")
def passages(shared_data: Path) -> list[str]:
    """~300-word passages of the American Tract Society books (real 19th-century prose), in a fixed order."""
    out = []
    for book in sorted((shared_data / "textreuse-corpora" / "ats").glob("*.txt")):
        words = book.read_text(encoding="utf-8", errors="replace").split()
        out.extend(" ".join(words[i : i + 300]) for i in range(0, min(len(words), 3000), 300))
    return [p for p in out if len(p.split()) == 300]
