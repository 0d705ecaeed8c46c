"""The ``mixture`` block: which sources, what weight each, the token budget and the tokenizer.

In YAML::

    mixture:
      budget: 10T                  # tokens to train on; plain integers or K/M/B/T suffixes
      tokenizer: gpt-neox-20b      # a tokenizer file by path, or a shipped one
      sources:
        web: {weight: 0.15}        # no path: the pipeline's decontaminated documents
        web_rewrites: {weight: 0.15}   # no path: the rewrite stage's validated rewrites
        synthetic: {weight: 0.4}   # no path: the plurality stage's voted questions (from the seeds stage)
        code: {path: data/code, weight: 0.2}

On the command line each source is ``NAME=PATH[:WEIGHT]`` (:func:`parse_source_spec`).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from pydantic import Field, field_validator

from curate.configbase import PathOrName, PathStr, StrictModel
from curate.errors import ConfigError
from curate.stagespec import Opt, StageSpec

# the sources that default to an artifact of the run when they have no path: source -> (artifact, what makes it)
PIPELINE_SOURCES = {"web": ("documents", "a document"), "web_rewrites": ("rewrites", "the rewrite"),
                    "synthetic": ("synthetic", "the plurality")}

_SUFFIXES = {"": 1, "K": 10**3, "M": 10**6, "B": 10**9, "G": 10**9, "T": 10**12}
_BUDGET = re.compile(r"^\s*([0-9][0-9_,]*(?:\.[0-9]+)?)\s*([KMBGT]?)\s*$", re.IGNORECASE)
_NAME = re.compile(r"^[A-Za-z0-9_.\-]+$")


def parse_budget(value: int | float | str) -> int:
    """Tokens from ``10T``, ``290B``, ``5M``, ``1.5K``, ``2_000`` or a plain number (decimal suffixes: B = 1e9)."""
    if isinstance(value, bool):
        raise ValueError("the budget must be a number of tokens, e.g. 10T, 290B, 5M or 1000000")
    if isinstance(value, (int, float)):
        tokens = Decimal(str(value))
    else:
        m = _BUDGET.match(str(value))
        if not m:
            raise ValueError(f"budget {value!r} is not a token count; write e.g. 10T, 290B, 5M or 1000000")
        try:
            tokens = Decimal(m.group(1).replace("_", "").replace(",", "")) * _SUFFIXES[m.group(2).upper()]
        except InvalidOperation:
            raise ValueError(f"budget {value!r} is not a token count; write e.g. 10T, 290B, 5M") from None
    if tokens <= 0 or tokens != tokens.to_integral_value():
        raise ValueError(f"the budget must be a positive whole number of tokens (got {value!r})")
    return int(tokens)


class SourceConfig(StrictModel):
    """One source of the mixture: a folder of documents and its share of the token budget."""

    path: PathStr | None = Field(
        None, description="folder (or file) of documents: JSONL (.jsonl, .jsonl.gz, .jsonl.zst...) or Parquet; "
        "may be omitted for `web`, `web_rewrites` and `synthetic`, which then read the pipeline's own outputs",
    )
    weight: float | None = Field(
        None, ge=0, description="share of the budget; sources without a weight split what the others leave equally",
    )
    glob: str | None = Field(
        None, description="only files matching this pattern (relative to the folder); default: every JSONL and "
        "Parquet file, recursively, skipping `rejected/` and `_*` folders",
    )
    text_key: str = Field("text", description="the field holding the document text")


class MixtureConfig(StrictModel):
    """The mixture stage: count tokens per source, weight the sources, compute epochs, write the manifest."""

    budget: int = Field(description="total training tokens; integers or suffixes K, M, B (=G), T, e.g. 10T, 290B")
    tokenizer: PathOrName | None = Field(
        None, description="tokenizer to count with: a HuggingFace tokenizer.json, a tiktoken encoding file, a "
        "SentencePiece model (or a folder holding one), or a shipped name; default gpt-neox-20b (ships with curate)",
    )
    sources: dict[str, SourceConfig] = Field(
        default_factory=dict, description="source name -> {path, weight, glob, text_key}; as a pipeline stage, an "
        "empty mapping means every source the run makes (web; web_rewrites when the rewrite stage runs; synthetic "
        "when the plurality stage runs) with equal weights",
    )
    max_epochs: float = Field(10.0, gt=0, description="warn when a source would be repeated more than this")
    batch_size: int = Field(1000, ge=1, description="documents tokenized per batch")
    cache_dir: PathStr | None = Field(
        None, description="per-file token count cache, keyed by content hash and tokenizer; default "
        "<output>/mixture/_cache (point several runs at one folder to share it)",
    )
    megatron_prefix: PathStr | None = Field(
        None, description="folder where Megatron-LM's preprocess_data.py will write the tokenized files; the blend "
        "lists <megatron_prefix>/<source>/<file>_text_document; default <output>/megatron",
    )

    @field_validator("budget", mode="before")
    @classmethod
    def _budget(cls, value):
        return parse_budget(value)

    @field_validator("sources")
    @classmethod
    def _names(cls, sources: dict[str, SourceConfig]) -> dict[str, SourceConfig]:
        bad = [n for n in sources if not _NAME.match(n)]
        if bad:
            raise ValueError(f"source name(s) {', '.join(map(repr, bad))} may use only letters, digits, _ . -")
        return sources


def parse_source_spec(spec: str) -> tuple[str, dict]:
    """``NAME=PATH[:WEIGHT]`` -> (name, {"path": ..., "weight": ...}); raises ConfigError saying what is wrong."""
    name, sep, rest = spec.partition("=")
    name = name.strip()
    if not sep or not name or not rest.strip():
        raise ConfigError(f"--source {spec!r}: write NAME=PATH or NAME=PATH:WEIGHT, e.g. code=data/code:0.2")
    if not _NAME.match(name):
        raise ConfigError(f"--source {spec!r}: the name {name!r} may use only letters, digits, _ . -")
    path, weight = rest, None
    head, colon, tail = rest.rpartition(":")
    if colon and "/" not in tail and "\\" not in tail:
        try:
            weight = float(tail)
        except ValueError:
            raise ConfigError(f"--source {spec!r}: the weight {tail!r} is not a number, "
                              f"e.g. {name}={head}:0.2") from None
        if weight < 0 or weight != weight:
            raise ConfigError(f"--source {spec!r}: the weight must be a number >= 0")
        path = head
    if not path.strip():
        raise ConfigError(f"--source {spec!r}: the path is empty; write NAME=PATH[:WEIGHT]")
    return name, {"path": path, "weight": weight}


def _sources(specs: list[str]) -> dict[str, dict]:
    sources: dict[str, dict] = {}
    for spec in specs:
        name, entry = parse_source_spec(spec)
        if name in sources:
            raise ConfigError(f"--source {spec!r}: the source {name!r} is given twice")
        sources[name] = entry
    return sources


STAGE = StageSpec(
    "mixture", MixtureConfig, plan="curate.mixture.stage:plan", consumes=None, produces=(), takes_inputs=False,
    help="Count tokens of each source with a real tokenizer and write OUTPUT/manifest.yaml (Phi-4 Table 5 style).\n\n"
    "Example: curate mixture -s web=out/decontam:0.6 -s code=data/code:0.4 --budget 290B -o out",
    options=(Opt("sources", ("--source", "-s"), parse=_sources, repeat=True,
                 help="NAME=PATH[:WEIGHT], repeatable: a folder of JSONL/Parquet documents and its share"),
             Opt("budget", ("--budget", "-b"), parse=str)),
    commands="curate.mixture.cli:register",
)
