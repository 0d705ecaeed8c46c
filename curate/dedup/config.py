"""The ``dedup`` block of a run config: exact, then MinHash-LSH near-duplicate removal."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from curate.configbase import StrictModel
from curate.stagespec import StageSpec

SurvivorKey = Literal["score", "length", "first"]


class DedupConfig(StrictModel):
    """Near-duplicate removal. Defaults follow datatrove (word 5-grams, 14 bands x 8 rows = 112 hashes) and
    datasketch (bands/rows from the threshold by minimizing weighted false-positive and false-negative areas)."""

    threshold: float = Field(
        0.8, gt=0, lt=1, description="Jaccard similarity of word n-gram sets at or above which two documents are "
        "near-duplicates; used to derive bands/rows and, with verify, as the exact cut-off"
    )
    ngram: int = Field(5, ge=1, le=32, description="words per shingle (word n-grams of the normalized text)")
    num_perm: int = Field(112, ge=8, le=1024, description="MinHash functions (signature length)")
    bands: int | None = Field(None, ge=1, description="LSH bands; set with rows, or leave both unset to derive them")
    rows: int | None = Field(None, ge=1, description="signature values per band; set with bands")
    fn_weight: float = Field(
        0.95, ge=0, le=1, description="weight of false negatives (1 - weight of false positives) when deriving "
        "bands/rows; high because verify removes false positives afterwards"
    )
    verify: bool = Field(
        True, description="check every LSH candidate pair by the exact Jaccard of its shingle sets (drops false "
        "positives); false trusts the band collisions as datatrove does"
    )
    keep: list[SurvivorKey] = Field(
        default_factory=lambda: ["score", "length", "first"],
        description="which document of a cluster survives, by these keys in order: score (highest score_key "
        "value; documents without one rank last), length (most characters after normalization), first "
        "(earliest input file, then position in it; always the final tie-break)",
    )
    score_key: str = Field("edu_score", description="metadata key of the quality score used by keep: score")
    seed: int = Field(1, description="seed of the hash functions; the same on every task and every run")
    batch_size: int = Field(256, ge=1, le=65536, description="documents hashed together in one numpy batch")
    max_bucket_records: int = Field(
        4_000_000, ge=1000, description="band records held in memory at once by a bucket task (24 bytes each)"
    )

    @field_validator("keep")
    @classmethod
    def _keep(cls, keys: list[str]) -> list[str]:
        if len(set(keys)) != len(keys):
            raise ValueError("keep lists a key twice; use each of score, length, first at most once")
        return keys

    @model_validator(mode="after")
    def _bands_rows(self) -> "DedupConfig":
        if (self.bands is None) != (self.rows is None):
            raise ValueError("set both bands and rows, or neither (then they are derived from threshold)")
        if self.bands is not None and self.bands * self.rows > self.num_perm:
            if "num_perm" in self.model_fields_set:
                raise ValueError(
                    f"bands x rows = {self.bands * self.rows} exceeds num_perm = {self.num_perm}; "
                    "raise num_perm or lower bands/rows"
                )
            object.__setattr__(self, "num_perm", self.bands * self.rows)
        return self

    def lsh_params(self) -> tuple[int, int]:
        """(bands, rows): as configured, or derived from the threshold (the search is cached by its parameters)."""
        if self.bands is not None:
            return self.bands, self.rows
        from curate.dedup.minhash import optimal_bands_rows

        return optimal_bands_rows(self.threshold, self.num_perm, 1 - self.fn_weight, self.fn_weight)


STAGE = StageSpec(
    "dedup", DedupConfig, plan="curate.dedup.stage:plan",
    help="Remove exact and near-duplicate documents (MinHash LSH), keeping one document per cluster.\n\nKept documents "
    "go to OUTPUT/dedup/, removed ones to OUTPUT/dedup/rejected/<reason>/ with duplicate_of and dedup_cluster in their "
    "metadata; the duplicates summary to OUTPUT/report/dedup.json.",
)
