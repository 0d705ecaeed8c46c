"""The shared LLM plumbing against a real llama.cpp server: lifecycle, client, retries, errors."""

from __future__ import annotations

import os
import signal

import pytest

from curate.errors import CurateError
from curate.llm import Endpoint, LlamaServer, LLMRequestError, LLMUnavailableError, chat, free_port
from curate.llm.server import LLMServerError

pytestmark = pytest.mark.llm


def test_chat_completion_reports_text_usage_and_finish_reason(llm_server):
    ep = Endpoint(llm_server.url + "/v1", llm_server.model_name)
    out = chat(ep, [{"role": "user", "content": "Name a colour."}], max_tokens=6, temperature=0)
    assert out.completion_tokens > 0 and out.prompt_tokens > 0
    assert out.finish_reason in ("stop", "length")
    assert out.text.strip()


def test_tiny_max_tokens_gives_length(llm_server):
    ep = Endpoint(llm_server.url, llm_server.model_name)
    out = chat(ep, [{"role": "user", "content": "Write a long story about a dragon."}], max_tokens=3)
    assert out.finish_reason == "length"
    assert out.completion_tokens == 3


def test_prompt_over_the_context_is_a_request_error_not_retried(llm_server):
    ep = Endpoint(llm_server.url, llm_server.model_name, max_retries=3)
    words = " ".join(["lorem ipsum dolor sit amet"] * 1200)  # ~6000 tokens > n_ctx 4096
    with pytest.raises(LLMRequestError) as err:
        chat(ep, [{"role": "user", "content": words}], max_tokens=4)
    assert err.value.status == 400


def test_unreachable_server_is_retried_then_reported():
    ep = Endpoint(f"http://127.0.0.1:{free_port()}", "m", max_retries=2, backoff_s=0.01, timeout_s=2)
    with pytest.raises(LLMUnavailableError, match="failed 3 attempts"):
        chat(ep, [{"role": "user", "content": "hi"}], max_tokens=1)


def test_server_start_failure_quotes_its_log(tmp_path):
    bad = tmp_path / "not-a-model.gguf"
    bad.write_bytes(b"this is not a gguf file")
    with pytest.raises(LLMServerError, match="exited during startup") as err:
        LlamaServer(model_path=bad, log_path=tmp_path / "log.txt", startup_timeout_s=60).start()
    assert isinstance(err.value, CurateError)


def test_stop_kills_the_server_and_frees_the_port(tmp_path):
    server = LlamaServer(log_path=tmp_path / "s.log").start()
    pid, port = server.process.pid, server.port
    server.stop()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert not server.alive()
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", port))  # the port is free again


def test_death_message_names_the_signal(tmp_path):
    server = LlamaServer(log_path=tmp_path / "s.log").start()
    try:
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=10)
        assert "killed by signal 9" in server.death_message()
    finally:
        server.stop()
