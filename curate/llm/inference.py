"""datatrove's ``InferenceRunner`` wired to our LLM plumbing (server type ``endpoint``).

:class:`LLMInferenceRunner` is datatrove's runner (its async request loop, concurrency limit, checkpointing,
request cache and resume) with two additions datatrove's stock ``endpoint`` server lacks:

- the embedded server: when ``llm.endpoint`` is empty, each task starts a llama.cpp server on loopback
  (:class:`~curate.llm.server.LlamaServer`), points the endpoint at it, and stops it when the task ends;
- :class:`CurateEndpointServer`, an ``EndpointServer`` that (a) watches that process, so a server dying mid-run
  fails the task within seconds with its exit status and log instead of hanging, (b) speaks HTTP with httpx to
  any URL (keep-alive; datatrove's stock endpoint needs the ``openai`` package for non-loopback URLs and opens a
  socket per request on loopback), with a request timeout, and (c) classifies answers so that datatrove's retry
  loop (exponential backoff from 5 s, 6 attempts) retries timeouts, connection errors, 429 and 5xx, where the
  stock server treats a 500 as fatal and a 503 as a bad request.

A rerun of a killed task resumes from datatrove's checkpoints: finished documents are replayed from the local
checkpoint files and requests already answered come from its sqlite request cache, never from the server.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from datatrove.pipeline.inference.run_inference import InferenceConfig, InferenceRunner
from datatrove.pipeline.inference.servers.base import InferenceServer
from datatrove.pipeline.inference.servers.endpoint_server import EndpointServer
from datatrove.pipeline.inference.types import InferenceError, ServerError

from curate.llm import endpoint_for
from curate.llm.client import Endpoint, LLMRequestError, RetryableError, parse_response
from curate.llm.config import LLMConfig
from curate.llm.server import LlamaServer, LLMServerError
from curate.storage import local_copy

REFUSED = "BadRequestError"  # how _make_request labels an HTTP 400: the server refused the request itself


async def generate_or_refusal(generate, payload: dict):
    """``(result, None)`` from datatrove's ``generate(payload)``, or ``(None, message)`` when the server refused
    the request itself (HTTP 400, e.g. a prompt over the context): a per-document outcome for a rollout to record,
    never ``None`` (datatrove would silently remove the document). Other errors propagate and stop the task."""
    try:
        return await generate(payload), None
    except InferenceError as err:
        if REFUSED not in str(err.error):
            raise
        return None, str(err.error)[:500]


class CurateEndpointServer(EndpointServer):
    """datatrove's ``endpoint`` server talking httpx to ``endpoint``, watching ``local`` if we started one."""

    def __init__(self, config: InferenceConfig, rank: int, endpoint: Endpoint, local: LlamaServer | None):
        # skip EndpointServer.__init__: it builds an openai client for non-loopback URLs, we use httpx everywhere
        InferenceServer.__init__(self, config, rank)
        self.endpoint_url = endpoint.url
        self.client = None
        self.endpoint = endpoint
        self.local = local
        self._http: httpx.AsyncClient | None = None

    async def monitor_health(self) -> None:
        if self.local is None:
            await super().monitor_health()  # a remote endpoint: nothing to watch, never returns
        while self.local.alive():
            await asyncio.sleep(0.5)
        raise ServerError(self.local.death_message())

    async def is_ready(self) -> bool:
        try:
            r = await self._client().get(f"{self.endpoint.url}/v1/models", headers=self.endpoint.headers(), timeout=5)
            return r.status_code == 200
        except httpx.HTTPError:
            return False

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            limits = httpx.Limits(max_connections=self.config.max_concurrent_generations + 4)
            self._http = httpx.AsyncClient(limits=limits, timeout=self.endpoint.timeout_s)
        return self._http

    async def _make_request(self, payload: dict) -> dict:
        try:
            r = await self._client().post(self.endpoint.chat_url, json=payload, headers=self.endpoint.headers())
            return parse_response(r.status_code, r.content)
        except httpx.TimeoutException as err:
            raise TimeoutError(f"no answer from {self.endpoint.url} within {self.endpoint.timeout_s} s") from err
        except (httpx.TransportError, RetryableError) as err:
            raise ConnectionError(f"{type(err).__name__}: {err}") from err
        except LLMRequestError as err:
            kind = REFUSED if err.status == 400 else f"HTTP {err.status}"
            raise InferenceError(None, f"{kind}: {err}", payload=payload) from err

    async def server_cleanup(self) -> None:
        await super().server_cleanup()
        if self._http is not None:
            await self._http.aclose()
            self._http = None


class LLMInferenceRunner(InferenceRunner):
    """datatrove's InferenceRunner for an :class:`LLMConfig`: a remote endpoint, or llama.cpp started per task.

    ``rollout_fn(doc, generate)`` is datatrove's rollout contract; ``generation_params`` are the default request
    fields (``max_tokens``, ``temperature``...). ``output_writer`` must name files with ``${chunk_index}`` when
    ``checkpoints_dir`` is given (datatrove's requirement for resumable chunks).
    """

    def __init__(self, rollout_fn, llm: LLMConfig, output_writer, checkpoints_dir: str | None,
                 generation_params: dict, rollouts: int = 1, records_per_chunk: int = 100,
                 server_log_dir: str | None = None, metadata_key: str = "rollouts"):
        config = InferenceConfig(
            server_type="endpoint",
            model_name_or_path=llm.model_name,
            model_max_context=llm.context,
            endpoint_url=llm.endpoint or "http://127.0.0.1",  # replaced by the local server's URL at run time
            default_generation_params=dict(generation_params),
            rollouts_per_document=rollouts,
            max_concurrent_generations=llm.in_flight,
            request_timeout=llm.timeout_s,
            metric_interval=300,
        )
        super().__init__(rollout_fn, config, output_writer, checkpoints_local_dir=checkpoints_dir,
                         records_per_chunk=records_per_chunk, metadata_key=metadata_key)
        self.llm = llm
        self.server_log_dir = server_log_dir
        self._local: LlamaServer | None = None

    def _init_server(self, rank: int) -> InferenceServer:
        return CurateEndpointServer(self.config, rank, endpoint_for(self.llm, self.config.endpoint_url), self._local)

    def local_server(self, rank: int) -> LlamaServer:
        log = Path(self.server_log_dir) / f"llama_server_{rank:05d}.log" if self.server_log_dir else None
        model = local_copy(self.llm.model_path) if self.llm.model_path else None  # a URL: its local copy
        return LlamaServer(model_path=model, model_name=self.llm.model_name, n_ctx=self.llm.context,
                           threads=self.llm.threads, startup_timeout_s=self.llm.startup_timeout_s, log_path=log)

    def run(self, data, rank: int = 0, world_size: int = 1) -> None:
        """Start the local server if configured, run datatrove's loop, stop the server whatever happens."""
        self._local = self.local_server(rank).start() if self.llm.local else None
        try:
            if self._local is not None:
                self.config.endpoint_url = self._local.url
            super().run(data, rank, world_size)
        except ServerError as err:
            dead = self._local is not None and not self._local.alive()
            raise LLMServerError(
                f"the LLM server stopped answering during the run: {self._local.death_message() if dead else err}. "
                "Finished documents are checkpointed: "
                "re-run the same command to resume without regenerating them"
            ) from None
        except InferenceError as err:
            raise LLMServerError(
                f"an LLM request failed after every retry ({err.error}); re-run the same command to resume"
            ) from None
        finally:
            if self._local is not None:
                self._local.stop()
                self._local = None
