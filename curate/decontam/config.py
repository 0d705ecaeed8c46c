"""The ``decontam`` block of a run config (every key is documented in docs/decontam.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from curate.benchmarks.registry import parse_benchmark_arg
from curate.configbase import PathStr, StrictModel
from curate.stagespec import Opt, StageSpec


class BenchmarkSpec(StrictModel):
    """One benchmark test set: its name in reports, its files, and how to read them."""

    name: str = Field(description="label used in reports, e.g. gsm8k; also picks the loader when `kind` is unset")
    path: PathStr = Field(description="the benchmark's file or folder")
    kind: str | None = Field(None, description="loader: gsm8k, humaneval, mbpp, mmlu, math, math500, arc, generic")
    question_field: str = Field("question", description="generic loader: field(s) of the question, `a+b` joins")
    answer_field: str = Field("answer", description="generic loader: field of the answer (optional in records)")
    id_field: str = Field("id", description="generic loader: field of the item id (default: record number)")
    choices_field: str | None = Field(None, description="generic loader: field of multiple-choice options")
    solution_field: str | None = Field(None, description="generic loader: field of a worked solution or reference "
                                                         "code (optional in records)")


class DecontamConfig(StrictModel):
    """Phi-4's hybrid 13-gram / 7-gram decontamination against benchmark test sets."""

    benchmarks: list[BenchmarkSpec] = Field(default_factory=list, description="benchmarks to decontaminate against")
    index: PathStr | None = Field(None, description="index folder: reused when it exists, else built there "
                                                "(default <output>/decontam/_index)")
    allowlist_corpus: PathStr | None = Field(None, description="reference corpus (.txt files, JSONL with `text`) whose "
                                                           "common n-grams are allow-listed")
    allowlist_min_items: int = Field(5, ge=0, description="allow-list n-grams held by this many distinct benchmark "
                                                          "texts (0: off)")
    allowlist_min_docs: int = Field(3, ge=1, description="allow-list n-grams found in this many reference documents")
    min_question_words: int = Field(3, ge=1, description="questions shorter than this are not indexed")
    min_answer_words: int = Field(13, ge=1, description="answers shorter than this are not indexed")
    contaminated_ratio: float = Field(0.3, gt=0, le=1, description="7-gram ratio at or above which a document is "
                                                                   "contaminated")
    partial_ratio: float = Field(0.15, gt=0, le=1, description="7-gram ratio at or above which a document is partial")
    min_shared_7grams: int = Field(3, ge=1, description="shared 7-grams needed (or all of a shorter item's) for a "
                                                        "ratio-based contaminated verdict")
    on_contaminated: Literal["drop", "flag"] = Field("drop", description="drop to rejected/contaminated, or keep "
                                                                         "and flag")
    on_partial: Literal["flag", "drop"] = Field("flag", description="keep and flag partial documents, or drop them")
    fuzzy: bool = Field(False, description="also run the MinHash LSH Ensemble near-verbatim pass (slow)")
    fuzzy_containment: float = Field(0.7, gt=0, le=1, description="fuzzy pass: share of a window's 3-grams that "
                                                                  "must be in a question")
    fuzzy_window: int = Field(24, ge=8, description="fuzzy pass: window size in words")
    on_fuzzy: Literal["flag", "drop"] = Field("flag", description="keep and flag fuzzy documents, or drop them")
    batch_size: int = Field(64, ge=1, description="documents checked per batch (the scan is vectorized per batch)")

    @model_validator(mode="after")
    def _needs_benchmarks(self) -> DecontamConfig:
        if not self.benchmarks and self.index is None:
            raise ValueError("give `benchmarks:` (name + path of each test set) or a prebuilt `index:` folder")
        if self.partial_ratio > self.contaminated_ratio:
            raise ValueError(f"partial_ratio ({self.partial_ratio}) must not exceed contaminated_ratio "
                             f"({self.contaminated_ratio})")
        return self


class GeneratedCheckConfig(StrictModel):
    """The keys of a stage that generates text (rewrite, plurality) and checks it against a decontam index."""

    decontaminate: bool = Field(True, description="check the generated documents against a decontam index "
                                "(contaminated ones are dropped); see decontam_index")
    decontam_index: PathStr | None = Field(None, description="the decontam index to check against; default: the "
                                           "index of the run's decontam stage, when it has one")


def _benchmarks(specs: list[str]) -> list[dict]:
    """``NAME=PATH`` (a bare PATH is named after its file or folder) → benchmark blocks."""
    return [dict(zip(("name", "path"), parse_benchmark_arg(spec))) for spec in specs]


BENCHMARK_OPT = Opt("benchmarks", ("--benchmark", "-b"), parse=_benchmarks, repeat=True,
                    help="NAME=PATH of a benchmark test set (repeat); NAME picks the loader: gsm8k, humaneval, mbpp, "
                    "mmlu, math, math500, arc, else generic JSONL")

STAGE = StageSpec(
    "decontam", DecontamConfig, plan="curate.decontam.stage:plan", produces=("documents", "decontam_index"),
    help="Check documents against benchmark test sets (Phi-4's 13/7-gram method); drop contaminated ones and write "
    "the audit.\n\nKept documents go to OUTPUT/decontam/, contaminated ones to OUTPUT/decontam/rejected/contaminated/, "
    "the audit to OUTPUT/report/contamination.jsonl and contamination.html.",
    options=(BENCHMARK_OPT,),
    commands="curate.decontam.cli:register",
)
