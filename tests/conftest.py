"""Fixtures shared by every test module."""

from __future__ import annotations

import os
import subprocess
import sys
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


@pytest.fixture(scope="session")
def local_quickstart(tmp_path_factory) -> Path:
    """The quickstart, run once per session exactly as the README says (`curate run configs/quickstart.yaml`,
    output redirected to a temporary folder); its output folder. What it printed is kept beside it, in
    ``console.txt`` (stdout, not a terminal) and ``console.err``."""
    out = tmp_path_factory.mktemp("quickstart") / "local"
    res = subprocess.run([sys.executable, "-m", "curate", "run", str(REPO / "configs" / "quickstart.yaml"),
                          "-o", str(out), "--executor", "local"], capture_output=True, text=True, cwd=REPO)
    (out.parent / "console.txt").write_text(res.stdout)
    (out.parent / "console.err").write_text(res.stderr)
    if res.returncode != 0:
        pytest.fail(f"the quickstart failed ({res.returncode}):\n{res.stdout[-3000:]}\n{res.stderr[-5000:]}")
    return out


@pytest.fixture(scope="session")
def llm_server(tmp_path_factory):
    """One real llama.cpp server (SmolLM2-135M-Instruct) on loopback, shared by every LLM test of the session;
    always stopped at the end."""
    from curate.llm import LlamaServer

    with LlamaServer(log_path=tmp_path_factory.mktemp("llama") / "server.log") as server:
        yield server
    assert not server.alive()
