"""The ``seeds`` config block: which extractors run, how their seeds are checked, and the code sandbox's limits."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from curate.configbase import PathStr, StrictModel
from curate.llm.config import PageGenerationConfig, llm_opts, text_or_none
from curate.stagespec import Opt, StageSpec


class SandboxConfig(StrictModel):
    """Limits of the process that runs code seeds (see curate/seeds/sandbox.py)."""

    timeout_s: float = Field(10.0, gt=0, description="wall-clock seconds before the program is killed")
    cpu_s: int = Field(5, ge=1, description="CPU seconds (RLIMIT_CPU)")
    memory_mb: int = Field(1024, ge=64, description="address space in MiB (RLIMIT_AS): larger allocations fail")
    file_size_mb: int = Field(16, ge=1, description="largest file the program may write, in MiB (RLIMIT_FSIZE)")
    network: Literal["auto", "namespace", "refuse"] = Field(
        "auto", description="namespace: a network namespace of its own (needs root or CAP_SYS_ADMIN); refuse: the "
        "guard refuses socket calls; auto: namespace where the machine allows it, else refuse")


class ExtractionConfig(PageGenerationConfig):
    """LLM extraction: a versioned prompt asks for question-answer pairs grounded in a passage of a good page (the
    page selection, chunking and sampling keys are :class:`~curate.llm.config.PageGenerationConfig`'s)."""

    prompt_dir: PathStr | None = Field(None, description="folder of prompt files overriding the shipped qa.yaml / "
                                   "code.yaml (same keys)")
    max_pairs: int = Field(3, ge=1, le=20, description="question-answer pairs asked for per passage")


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
    code_paths: list[PathStr] = Field(default_factory=list, description="files or folders of Python source to take "
                                  "code seeds from (functions with docstrings and doctests; LLM exercises)")
    checks: SeedChecks = Field(default_factory=SeedChecks)
    sandbox: SandboxConfig = Field(default_factory=SandboxConfig)

    @model_validator(mode="after")
    def _something(self) -> SeedsConfig:
        if not self.mine and self.extraction is None and not self.code_paths:
            raise ValueError("nothing to do: enable mine, extraction or give code_paths")
        return self


STAGE = StageSpec(
    "seeds", SeedsConfig, plan="curate.seeds.stage:plan", produces=("questions",),
    help="Mine questions from pages, extract question-answer pairs with an LLM, run code answers in a sandbox; check "
    "every seed and keep the good ones (Phi-4's seeds).\n\nKept seeds go to OUTPUT/seeds/ (the questions the "
    "plurality stage votes on), dropped ones to OUTPUT/seeds/rejected/<reason>/.",
    options=(
        Opt("code_paths", ("--code",), repeat=True, parse=list,
            help="a file or folder of Python source to take code seeds from (repeatable)"),
        Opt("extraction", ("--no-llm",), switch=True, value=None, help="mine only: no LLM extraction"),
        *llm_opts("extraction."),
        Opt("extraction.score_key", ("--score-key",), parse=text_or_none),
        Opt("extraction.min_score", ("--min-score",)),
        Opt("extraction.max_pages", ("--max-pages",)),
        Opt("extraction.max_tokens", ("--max-tokens",)),
    ),
)
