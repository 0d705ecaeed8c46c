"""The ``plurality`` options: how many answers to sample per question and how to decide."""

from __future__ import annotations

from pydantic import Field

from curate.configbase import StrictModel
from curate.llm.config import LLMConfig


class PluralityConfig(StrictModel):
    """Phi-4 plurality filtering: N sampled answers per question, majority vote, drop unanimous or split ones.

    In a pipeline run it votes on the seeds stage's questions; the kept ones (question and a solution that reached the
    plurality answer) are the mixture's ``synthetic`` source.
    """

    llm: LLMConfig = Field(default_factory=LLMConfig, description="the LLM server (empty endpoint: local llama.cpp)")
    samples: int = Field(5, ge=2, description="answers sampled per question")
    max_tokens: int = Field(384, ge=1, description="completion tokens per answer")
    temperature: float = Field(0.8, ge=0, description="sampling temperature (0 makes every sample agree)")
    top_p: float = Field(0.95, gt=0, le=1, description="nucleus sampling")
    seed: int | None = Field(0, description="base seed: sample i is sent seed + i, so samples differ and runs "
                             "repeat; null leaves seeding to the server")
    reference_key: str | None = Field("answer", description="metadata key with a reference solution (GSM8K "
                                      "'#### N' style, or a seed's answer); when present its final answer is "
                                      "compared, never voted")
    max_questions: int | None = Field(None, ge=1, description="vote on at most this many questions per task (trials, "
                                      "the quickstart); the others are counted as not_selected/max_questions")
    records_per_chunk: int = Field(200, ge=1, description="datatrove checkpoint granularity (documents per file)")
    decontaminate: bool = Field(True, description="check the kept questions and their solutions against a decontam "
                                "index (contaminated ones are dropped); see decontam_index")
    decontam_index: str | None = Field(None, description="the decontam index to check against; default: "
                                       "<output>/decontam/_index, left by the run's decontam stage, when present")

    def sampling(self) -> dict:
        return {"max_tokens": self.max_tokens, "temperature": self.temperature, "top_p": self.top_p}
