"""The ``plurality`` options: how many answers to sample per question and how to decide."""

from __future__ import annotations

from pydantic import Field

from curate.decontam.config import GeneratedCheckConfig
from curate.llm.config import LLMConfig, llm_opts
from curate.stagespec import StageSpec


class PluralityConfig(GeneratedCheckConfig):
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

    def sampling(self) -> dict:
        return {"max_tokens": self.max_tokens, "temperature": self.temperature, "top_p": self.top_p}


STAGE = StageSpec(
    "plurality", PluralityConfig, plan="curate.plurality.stage:plan", consumes="questions", produces=("synthetic",),
    help="Sample answers per question, majority-vote, drop questions where all or none agree (Phi-4).\n\n"
    "Reads question documents (the seeds stage's, or files such as GSM8K-style JSONL); kept ones, each with a solution "
    "that reached the plurality answer, go to OUTPUT/plurality/ (the mixture's synthetic source).",
    options=llm_opts(), input_defaults={"text_key": "question"},
)
