"""The ``rewrite`` config block: which pages, which styles, which LLM, and how outputs are validated."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from curate.configbase import PathStr, StrictModel
from curate.llm.config import LLM_OPTS, LLMConfig
from curate.stagespec import StageSpec

DEFAULT_STYLES = ["textbook", "discussion", "reasoning", "diverse_qa", "distill", "extract_knowledge",
                  "knowledge_list", "wikipedia"]


class ValidationConfig(StrictModel):
    """Thresholds of the checks every generated rewrite must pass (each failure is a drop reason)."""

    min_words: int = Field(20, ge=0, description="too_short: fewer words than this")
    min_ratio: float | None = Field(None, ge=0, description="too_short: output/source characters below this; "
                                    "default: the style's own min_ratio from its prompt file")
    language: str | None = Field("en", description="wrong_language: expected ISO 639-1 code (py3langid), used when "
                                 "the source has no metadata.language; null disables the check")
    min_language_words: int = Field(8, ge=1, description="wrong_language is only judged on outputs this long")
    repetition_ngram: int = Field(8, ge=2, description="repetition: word n-gram size for loop detection")
    max_repeated_fraction: float = Field(0.2, gt=0, le=1, description="repetition: drop when more than this "
                                         "fraction of words lie in n-grams that occur more than once")
    echo_ngram: int = Field(8, ge=3, description="echo: any word n-gram of this size copied from the instructions")
    max_source_copy: float = Field(0.8, gt=0, le=1, description="echo: drop when more than this fraction of the "
                                   "output's n-grams are copied verbatim from the source (no rewrite happened)")


class RewriteConfig(StrictModel):
    """Rewrite high-scoring pages into synthetic styles through an OpenAI-compatible LLM server."""

    styles: list[str] = Field(default_factory=lambda: list(DEFAULT_STYLES), min_length=1,
                              description="style names (prompt files); shipped: see docs/rewrite.md")
    prompt_dir: PathStr | None = Field(None, description="folder of extra/overriding <style>.yaml prompt files")
    llm: LLMConfig = Field(default_factory=LLMConfig, description="the LLM server (empty endpoint: local llama.cpp)")
    score_key: str | None = Field("edu_score", description="metadata key holding the page's quality score "
                                  "(from the score stage); null selects every page regardless of score")
    min_score: float = Field(3.0, description="pages scoring at least this get the high-quality styles")
    mid_min_score: float | None = Field(2.0, description="pages scoring in [mid_min_score, min_score) get the "
                                        "mid-quality styles (wikipedia); null disables them")
    min_chars: int = Field(300, ge=1, description="pages shorter than this are not rewritten")
    max_chars: int = Field(100_000, ge=1, description="pages longer than this are not rewritten")
    max_pages: int | None = Field(None, ge=1, description="rewrite at most this many selected pages per task "
                                  "(trials, the quickstart); null: all")
    max_chunks: int = Field(4, ge=1, description="a long page is cut into at most this many chunks (the rest is "
                            "not rewritten)")
    chars_per_token: float = Field(3.0, gt=0, description="conservative characters per token, used to fit each "
                                   "chunk plus instructions plus max_tokens into llm.context")
    max_tokens: int = Field(1024, ge=1, description="completion tokens per rewrite (finish 'length' is dropped)")
    temperature: float = Field(0.7, ge=0, description="sampling temperature")
    top_p: float = Field(0.9, gt=0, le=1, description="nucleus sampling")
    seed: int | None = Field(None, description="sampling seed sent with each request, for reproducible runs")
    records_per_chunk: int = Field(200, ge=1, description="datatrove checkpoint granularity (documents per file)")
    decontaminate: bool = Field(True, description="check rewrites against a decontam index (contaminated ones "
                                "are dropped); see decontam_index")
    decontam_index: PathStr | None = Field(None, description="the decontam index to check rewrites against; "
                                           "default: the index of the run's decontam stage, when it has one")
    validation: ValidationConfig = Field(default_factory=ValidationConfig)

    @field_validator("styles")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("styles must not repeat")
        return v

    @model_validator(mode="after")
    def _bounds(self) -> RewriteConfig:
        if self.min_chars > self.max_chars:
            raise ValueError(f"min_chars ({self.min_chars}) must not exceed max_chars ({self.max_chars})")
        if self.mid_min_score is not None and self.mid_min_score > self.min_score:
            raise ValueError(f"mid_min_score ({self.mid_min_score}) must not exceed min_score ({self.min_score})")
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


# tokens reserved for the system message, the instructions and the chat template around the page text
PROMPT_OVERHEAD_TOKENS = 160


STAGE = StageSpec(
    "rewrite", RewriteConfig, plan="curate.rewrite.stage:plan", produces=("rewrites",), options=LLM_OPTS,
    help="Rewrite high-scoring pages into synthetic styles with an LLM; validate and keep the good rewrites.\n\n"
    "Styles: "
    "textbook, discussion, reasoning, diverse_qa, distill, extract_knowledge, knowledge_list, wikipedia.",
)
