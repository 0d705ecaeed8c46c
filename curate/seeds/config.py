"""The ``seeds`` config block: which extractors run, how their seeds are checked, and the code sandbox's limits."""

from __future__ import annotations

import os
from typing import Literal

from pydantic import Field, field_validator, model_validator

from curate.configbase import StrictModel
from curate.llm.config import LLMConfig

# tokens reserved for the system message, the instructions and the chat template around a passage
PROMPT_OVERHEAD_TOKENS = 200


class SandboxConfig(StrictModel):
    """Limits of the process that runs code seeds (see curate/seeds/sandbox.py)."""

    timeout_s: float = Field(10.0, gt=0, description="wall-clock seconds before the program is killed")
    cpu_s: int = Field(5, ge=1, description="CPU seconds (RLIMIT_CPU)")
    memory_mb: int = Field(1024, ge=64, description="address space in MiB (RLIMIT_AS): larger allocations fail")
    file_size_mb: int = Field(16, ge=1, description="largest file the program may write, in MiB (RLIMIT_FSIZE)")
    network: Literal["auto", "namespace", "refuse"] = Field(
        "auto", description="namespace: a network namespace of its own (needs root or CAP_SYS_ADMIN); refuse: the "
        "guard refuses socket calls; auto: namespace where the machine allows it, else refuse")


class ExtractionConfig(StrictModel):
    """LLM extraction: a versioned prompt asks for question-answer pairs grounded in a passage of a good page."""

    llm: LLMConfig = Field(default_factory=LLMConfig, description="the LLM server (empty endpoint: local llama.cpp)")
    prompt_dir: str | None = Field(None, description="folder of prompt files overriding the shipped qa.yaml / "
                                   "code.yaml (same keys)")
    score_key: str | None = Field("edu_score", description="metadata key of the page's quality score; null sends "
                                  "every page")
    min_score: float = Field(3.0, description="only pages scoring at least this are sent to the LLM")
    min_chars: int = Field(300, ge=1, description="shorter pages are not sent")
    max_chars: int = Field(100_000, ge=1, description="longer pages are not sent")
    max_pages: int | None = Field(None, ge=1, description="at most this many pages (and code files) per task are "
                                  "sent; null: all")
    max_chunks: int = Field(2, ge=1, description="a long page is cut into at most this many passages")
    chars_per_token: float = Field(3.0, gt=0, description="characters per token when fitting a passage in the context")
    max_pairs: int = Field(3, ge=1, le=20, description="question-answer pairs asked for per passage")
    max_tokens: int = Field(512, ge=16, description="completion tokens per request")
    temperature: float = Field(0.3, ge=0, description="sampling temperature")
    top_p: float = Field(0.9, gt=0, le=1, description="nucleus sampling")
    seed: int | None = Field(None, description="sampling seed sent with each request")
    records_per_chunk: int = Field(200, ge=1, description="datatrove checkpoint granularity (documents per file)")

    @model_validator(mode="after")
    def _fits(self) -> ExtractionConfig:
        if self.min_chars > self.max_chars:
            raise ValueError(f"min_chars ({self.min_chars}) must not exceed max_chars ({self.max_chars})")
        if self.passage_chars() < 200:
            raise ValueError(f"llm.context ({self.llm.context}) leaves no room for a passage once max_tokens "
                             f"({self.max_tokens}) and the instructions are reserved; lower max_tokens")
        return self

    def passage_chars(self) -> int:
        """Characters of page text per request: what the context holds after instructions and completion."""
        return int((self.llm.context - self.max_tokens - PROMPT_OVERHEAD_TOKENS) * self.chars_per_token)

    def sampling(self) -> dict:
        params = {"max_tokens": self.max_tokens, "temperature": self.temperature, "top_p": self.top_p}
        if self.seed is not None:
            params["seed"] = self.seed
        return params


class SeedChecks(StrictModel):
    """Thresholds of the checks every seed must pass (each failure is a drop reason, see docs/seeds.md)."""

    min_question_words: int = Field(4, ge=1, description="too_short: questions with fewer words")
    max_question_words: int = Field(120, ge=1, description="too_long: questions with more words")
    max_answer_words: int = Field(400, ge=1, description="too_long: answers with more words")
    min_support: float = Field(0.6, ge=0, le=1, description="unsupported: an LLM answer whose content words are "
                               "found in its passage less often than this (share of distinct words)")


class SeedsConfig(StrictModel):
    """Questions and question-answer pairs mined and extracted from pages and code (Phi-4's seeds)."""

    mine: bool = Field(True, description="mine the questions already on pages: FAQ, Q:/A:, exercises (no LLM)")
    extraction: ExtractionConfig | None = Field(default_factory=ExtractionConfig,
                                                description="LLM extraction of question-answer pairs; null: none")
    code_paths: list[str] = Field(default_factory=list, description="files or folders of Python source to take "
                                  "code seeds from (functions with docstrings and doctests; LLM exercises)")
    checks: SeedChecks = Field(default_factory=SeedChecks)
    sandbox: SandboxConfig = Field(default_factory=SandboxConfig)

    @field_validator("code_paths")
    @classmethod
    def _code_paths_exist(cls, paths: list[str]) -> list[str]:
        missing = [p for p in paths if not os.path.exists(p)]
        if missing:
            raise ValueError(f"code path(s) not found: {', '.join(missing)}; give existing files or folders")
        return paths

    @model_validator(mode="after")
    def _something(self) -> SeedsConfig:
        if not self.mine and self.extraction is None and not self.code_paths:
            raise ValueError("nothing to do: enable mine, extraction or give code_paths")
        return self
