"""The ``rewrite`` config block: which pages, which styles, which LLM, and how outputs are validated."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from curate.configbase import PathStr, StrictModel
from curate.decontam.config import GeneratedCheckConfig
from curate.llm.config import PageGenerationConfig, llm_opts, text_or_none
from curate.stagespec import Opt, StageSpec

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


class RewriteConfig(PageGenerationConfig, GeneratedCheckConfig):
    """Rewrite high-scoring pages into synthetic styles through an OpenAI-compatible LLM server (the page selection,
    chunking and sampling keys are :class:`~curate.llm.config.PageGenerationConfig`'s, the output check's
    :class:`~curate.decontam.config.GeneratedCheckConfig`'s)."""

    styles: list[str] = Field(default_factory=lambda: list(DEFAULT_STYLES), min_length=1,
                              description="style names (prompt files); shipped: see docs/rewrite.md")
    prompt_dir: PathStr | None = Field(None, description="folder of extra/overriding <style>.yaml prompt files")
    mid_min_score: float | None = Field(2.0, description="pages scoring in [mid_min_score, min_score) get the "
                                        "mid-quality styles (wikipedia); null disables them")
    validation: ValidationConfig = Field(default_factory=ValidationConfig)

    @field_validator("styles")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("styles must not repeat")
        return v

    @model_validator(mode="after")
    def _bounds(self) -> RewriteConfig:
        if self.mid_min_score is not None and self.mid_min_score > self.min_score:
            raise ValueError(f"mid_min_score ({self.mid_min_score}) must not exceed min_score ({self.min_score})")
        return self


STAGE = StageSpec(
    "rewrite", RewriteConfig, plan="curate.rewrite.stage:plan", produces=("rewrites",),
    options=(*llm_opts(), Opt("score_key", parse=text_or_none)),
    help="Rewrite high-scoring pages into synthetic styles with an LLM; validate and keep the good rewrites.\n\n"
    "Styles: textbook, discussion, reasoning, diverse_qa, distill, extract_knowledge, knowledge_list, wikipedia.",
)
