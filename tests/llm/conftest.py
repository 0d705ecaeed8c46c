"""A real llama.cpp server (SmolLM2-135M-Instruct) for the whole test session, started and stopped here."""

from __future__ import annotations

import pytest

from curate.llm import LlamaServer


@pytest.fixture(scope="session")
def llm_server(tmp_path_factory):
    """One llama.cpp server on loopback, shared by the session's LLM tests; always stopped at the end."""
    log = tmp_path_factory.mktemp("llama") / "server.log"
    with LlamaServer(log_path=log, n_ctx=4096) as server:
        yield server
    assert not server.alive()
