"""The typed run configuration: one YAML file parsed into pydantic models before anything is launched.

A config has four parts: ``name`` and ``output`` (where the run writes), ``input`` (what the first stage reads),
``executor`` (local, slurm or ray, with their settings) and one optional block per stage (``extract``, ``dedup``,
``score``, ``decontam``, ``seeds``, ``plurality``, ``rewrite``, ``mixture``). A stage runs when its block is
present; stages run in that fixed order, each reading the documents the previous one kept (seeds and plurality make
the ``synthetic`` source beside the corpus: see :mod:`curate.stages`).

Relative paths in a config file are resolved against the folder holding the file, so a config can be run from
anywhere. Every validation error names the key, the value it got and what is allowed (:func:`load_config`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator

from curate.configbase import StrictModel, read_yaml_mapping
from curate.errors import ConfigError
from curate.decontam.config import DecontamConfig
from curate.dedup.config import DedupConfig
from curate.extract.config import ExtractConfig
from curate.mixture.config import MixtureConfig
from curate.plurality.config import PluralityConfig
from curate.rewrite.config import RewriteConfig
from curate.score.config import ScoreConfig
from curate.seeds.config import SeedsConfig


InputFormat = Literal["auto", "warc", "wet", "html", "jsonl", "parquet"]


class InputConfig(StrictModel):
    """What the first stage reads."""

    paths: list[str] = Field(min_length=1, description="files or folders to read; folders are read recursively")
    format: InputFormat = Field("auto", description="auto detects each file from its name and first bytes")
    glob: str | None = Field(None, description="only files matching this pattern (relative to each folder)")
    text_key: str = Field("text", description="JSONL/Parquet: the field holding the document text")
    id_key: str = Field("id", description="JSONL/Parquet: the field holding the document id")
    limit: int = Field(-1, description="read at most this many documents per task (-1: all); for trials")

    @field_validator("paths")
    @classmethod
    def _paths_exist(cls, paths: list[str]) -> list[str]:
        missing = [p for p in paths if "://" not in p and not os.path.exists(p)]
        if missing:
            raise ValueError(f"input path(s) not found: {', '.join(missing)}; give existing files or folders")
        return paths


class SlurmConfig(StrictModel):
    """Settings passed to datatrove's SlurmPipelineExecutor (one sbatch array per stage step)."""

    partition: str | None = Field(None, description="Slurm partition; none means the cluster's default partition")
    time: str = Field("24:00:00", pattern=r"^(\d+-)?\d{1,2}(:\d{2}){0,2}$", description="wall time per task")
    cpus_per_task: int = Field(1, ge=1)
    mem_per_cpu_gb: float = Field(2, gt=0)
    qos: str = Field("", description="quality of service; empty leaves it out")
    sbatch_args: dict[str, str] = Field(default_factory=dict, description="extra #SBATCH options, name: value")
    venv_path: str | None = Field(None, description="the venv's bin/activate; default: the running venv's")
    logs_folder: str | None = Field(None, description="where sbatch writes its logs; default <output>/logs/slurm")
    wait: bool = Field(True, description="wait for the jobs to finish, then write the funnel and report")


class RayConfig(StrictModel):
    """Settings passed to datatrove's RayPipelineExecutor."""

    address: str | None = Field(None, description="an existing Ray cluster; none starts a local one")
    cpus_per_task: int = Field(1, ge=1)
    mem_per_cpu_gb: float = Field(2, gt=0)


class ExecutorConfig(StrictModel):
    """Which datatrove executor runs each stage, and how many tasks it splits the work into."""

    kind: Literal["local", "slurm", "ray"] = "local"
    tasks: int = Field(2, ge=1, description="number of shards (datatrove tasks) per stage")
    workers: int = Field(-1, description="tasks running at once (-1: all); on Slurm, the array's concurrency")
    slurm: SlurmConfig = Field(default_factory=SlurmConfig)
    ray: RayConfig = Field(default_factory=RayConfig)

    @field_validator("workers")
    @classmethod
    def _workers(cls, v: int) -> int:
        if v == 0 or v < -1:
            raise ValueError("workers must be a positive number, or -1 for as many as tasks")
        return v


class RunConfig(StrictModel):
    """A whole pipeline run."""

    name: str = Field("curate", pattern=r"^[A-Za-z0-9_.\-]+$", description="run name; used in job names")
    output: str = Field(description="the run's output folder")
    input: InputConfig | None = None
    executor: ExecutorConfig = Field(default_factory=ExecutorConfig)
    extract: ExtractConfig | None = None
    dedup: DedupConfig | None = None
    score: ScoreConfig | None = None
    decontam: DecontamConfig | None = None
    mixture: MixtureConfig | None = None
    rewrite: RewriteConfig | None = None
    seeds: SeedsConfig | None = None
    plurality: PluralityConfig | None = None

    def stage_blocks(self) -> dict[str, StrictModel]:
        """The stage blocks present in this config, by stage name."""
        from curate.stages import STAGE_ORDER

        return {name: getattr(self, name) for name in STAGE_ORDER if getattr(self, name, None) is not None}


def _resolve_paths(data: Any, base: Path, keys: tuple[str, ...]) -> Any:
    """Resolve relative paths under the given keys (anywhere in the tree) against ``base``."""
    if isinstance(data, dict):
        out = {}
        for k, v in data.items():
            if k in keys and isinstance(v, str):
                out[k] = _abs(v, base)
            elif k in keys and isinstance(v, list) and all(isinstance(x, str) for x in v):
                out[k] = [_abs(x, base) for x in v]
            else:
                out[k] = _resolve_paths(v, base, keys)
        return out
    if isinstance(data, list):
        return [_resolve_paths(x, base, keys) for x in data]
    return data


def _abs(value: str, base: Path) -> str:
    if "://" in value or os.path.isabs(value):
        return value
    return str((base / value).resolve())


# keys whose string values are paths, in any block
PATH_KEYS = ("output", "paths", "path", "model", "model_path", "recipe", "tokenizer", "index", "classifier",
             "classifiers", "allowlist_corpus", "lid_model", "venv_path", "logs_folder",
             "cache_dir", "megatron_prefix",
             "prompt_dir", "decontam_index", "code_paths")


def format_validation_error(err: ValidationError, source: str) -> str:
    """One line per problem: ``key.path: what is wrong (got VALUE)``."""
    lines = [f"invalid config {source}:"]
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"]) or "(top level)"
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown key; check its spelling against the documented keys"
        got = e.get("input")
        shown = "" if e["type"] in ("missing", "extra_forbidden") or isinstance(got, dict) else f" (got {got!r})"
        lines.append(f"  {loc}: {msg}{shown}")
    return "\n".join(lines)


def parse_config(data: dict, source: str = "<config>") -> RunConfig:
    """Validate an already-loaded mapping; raises ConfigError with a readable message."""
    try:
        return RunConfig.model_validate(data)
    except ValidationError as err:
        raise ConfigError(format_validation_error(err, source)) from None


def load_config(path: str | Path, overrides: dict[str, Any] | None = None) -> RunConfig:
    """Read a YAML run config, resolve its relative paths against its folder, apply dotted-key overrides.

    ``overrides`` maps dotted keys to values, e.g. ``{"executor.tasks": 4, "output": "/tmp/x"}``; override values
    that are paths should already be absolute (the CLI resolves them against the working directory).
    """
    path = Path(path)
    data = read_yaml_mapping(path, "name, output, input, executor and one block per stage")
    data = _resolve_paths(data, path.parent.resolve(), PATH_KEYS)
    for key, value in (overrides or {}).items():
        _set_dotted(data, key, value)
    return parse_config(data, str(path))


def _set_dotted(data: dict, dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    node = data
    for p in parents:
        node = node.setdefault(p, {})
    node[last] = value
