"""A small client for OpenAI-compatible chat completions (llama.cpp, vLLM, SGLang, OpenAI), with retries.

``chat(endpoint, messages, **params)`` (blocking) and ``await achat(client, endpoint, messages, **params)``
(asyncio, with a caller-owned ``httpx.AsyncClient``) send one ``POST /v1/chat/completions`` and return a
:class:`Completion`. Connection errors, timeouts, HTTP 408/429 and 5xx are retried ``endpoint.max_retries`` times
with exponential backoff (``backoff_s`` × 2^attempt, capped at ``max_backoff_s``, with jitter); then
:class:`LLMUnavailableError` says which server could not be reached and why. Other 4xx answers (a prompt longer
than the context, an unknown model) are not retried: :class:`LLMRequestError` carries the server's message.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
from dataclasses import dataclass, field

import httpx

from curate.errors import CurateError

RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})


class LLMRequestError(CurateError):
    """The server refused the request itself (HTTP 4xx other than 408/429); retrying would not help."""

    def __init__(self, status: int, message: str):
        self.status = status
        super().__init__(f"LLM server answered HTTP {status}: {message[:500]}")


class LLMUnavailableError(CurateError):
    """The server could not be reached, or kept failing, after every retry."""


class RetryableError(Exception):
    """One failed attempt that may succeed later (connection refused, timeout, 429, 5xx)."""


@dataclass(frozen=True)
class Endpoint:
    """Where to send requests: ``url`` is the server root (a trailing ``/v1`` is accepted and stripped)."""

    url: str
    model: str
    api_key: str | None = None
    timeout_s: float = 300.0
    max_retries: int = 5
    backoff_s: float = 1.0
    max_backoff_s: float = 30.0

    def __post_init__(self):
        root = self.url.rstrip("/")
        object.__setattr__(self, "url", root[: -len("/v1")] if root.endswith("/v1") else root)

    @property
    def chat_url(self) -> str:
        return f"{self.url}/v1/chat/completions"

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}

    def backoff(self, attempt: int) -> float:
        return min(self.max_backoff_s, self.backoff_s * 2**attempt) * (0.5 + random.random() / 2)


@dataclass
class Completion:
    """One chat completion: the text, why generation stopped, and the token usage the server reported."""

    text: str
    finish_reason: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    reasoning: str = ""
    raw: dict = field(default_factory=dict, repr=False)


def payload(endpoint: Endpoint, messages: list[dict], **params) -> dict:
    """The JSON body of a chat request: ``model``, ``messages`` and sampling parameters (``max_tokens``...)."""
    return {"model": endpoint.model, "messages": messages, **params}


def parse_response(status: int, body: bytes | str) -> dict:
    """The decoded JSON of a 200 answer; raises RetryableError or LLMRequestError for the others."""
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    if status in RETRY_STATUS:
        raise RetryableError(f"HTTP {status}: {text[:300]}")
    if status != 200:
        raise LLMRequestError(status, text)
    return json.loads(text)


def to_completion(data: dict) -> Completion:
    """A :class:`Completion` from an OpenAI-style ``chat.completion`` object."""
    choice = data["choices"][0]
    message = choice.get("message") or {}
    usage = data.get("usage") or {}
    return Completion(
        text=message.get("content") or "",
        finish_reason=choice.get("finish_reason") or "unknown",
        prompt_tokens=int(usage.get("prompt_tokens") or 0),
        completion_tokens=int(usage.get("completion_tokens") or 0),
        reasoning=message.get("reasoning_content") or message.get("reasoning") or "",
        raw=data,
    )


def _unavailable(endpoint: Endpoint, last: Exception) -> LLMUnavailableError:
    return LLMUnavailableError(
        f"the LLM server at {endpoint.url} failed {endpoint.max_retries + 1} attempts; last error: {last}. "
        "Check that it is running and reachable (with --local, curate starts llama.cpp itself)"
    )


def chat(endpoint: Endpoint, messages: list[dict], client: httpx.Client | None = None, **params) -> Completion:
    """Send one chat completion request, blocking, retrying transient failures (see the module docstring)."""
    own = client is None
    client = client or httpx.Client(timeout=endpoint.timeout_s)
    try:
        for attempt in range(endpoint.max_retries + 1):
            try:
                r = client.post(endpoint.chat_url, json=payload(endpoint, messages, **params),
                                headers=endpoint.headers())
                return to_completion(parse_response(r.status_code, r.content))
            except (httpx.TransportError, RetryableError) as err:
                last = err
                if attempt < endpoint.max_retries:
                    time.sleep(endpoint.backoff(attempt))
        raise _unavailable(endpoint, last)
    finally:
        if own:
            client.close()


async def achat(client: httpx.AsyncClient, endpoint: Endpoint, messages: list[dict], **params) -> Completion:
    """The asyncio twin of :func:`chat`; many may run at once on one ``client``."""
    for attempt in range(endpoint.max_retries + 1):
        try:
            r = await client.post(endpoint.chat_url, json=payload(endpoint, messages, **params),
                                  headers=endpoint.headers(), timeout=endpoint.timeout_s)
            return to_completion(parse_response(r.status_code, r.content))
        except (httpx.TransportError, RetryableError) as err:
            last = err
            if attempt < endpoint.max_retries:
                await asyncio.sleep(endpoint.backoff(attempt))
    raise _unavailable(endpoint, last)


def api_key_from_env(name: str | None) -> str | None:
    """The API key held in environment variable ``name`` (None when unset or not asked for)."""
    return os.environ.get(name) if name else None
