"""The typed run configuration: one YAML file parsed into pydantic models before anything is launched.

A config has four parts: ``name`` and ``output`` (where the run writes), ``input`` (what the first stage reads),
``executor`` (local, slurm or ray, with their settings) and one optional block per registered stage
(:mod:`curate.stages`: ``extract``, ``dedup``, ``score``, ``decontam``, ``rewrite``, ``plurality``, ``mixture``). A
stage runs when its block is present; stages run in registry order, each reading the artifacts earlier ones made.

Relative paths are resolved against the folder holding the file (:data:`curate.configbase.PathStr`), so a config
can be run from anywhere. Every validation error names the key, the value it got and what is allowed.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Optional

from pydantic import Field, create_model, field_validator

from curate.configbase import PathStr, StrictModel, read_yaml_mapping, validate
from curate import stages
from curate.stages import load_specs, specs

InputFormat = Literal["auto", "warc", "wet", "html", "jsonl", "parquet"]


class InputConfig(StrictModel):
    """What the first stage reads."""

    paths: list[PathStr] = Field(min_length=1, description="files or folders to read; folders are read recursively")
    format: InputFormat = Field("auto", description="input format: auto detects each file from its name and first "
                                "bytes; or warc, wet, html, jsonl, parquet")
    glob: str | None = Field(None, description="only files matching this pattern (relative to each folder)")
    text_key: str = Field("text", description="JSONL/Parquet: the field holding the document text")
    id_key: str = Field("id", description="JSONL/Parquet: the field holding the document id")
    limit: int = Field(-1, description="read at most this many documents per task (-1: all); for trials")

    @field_validator("paths")
    @classmethod
    def _paths_exist(cls, paths: list[str]) -> list[str]:
        """Checked with the other keys (not at planning), so a config's every problem is reported at once."""
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
    venv_path: PathStr | None = Field(None, description="the venv's bin/activate; default: the running venv's")
    logs_folder: PathStr | None = Field(None, description="where sbatch writes its logs; default <output>/logs/slurm")
    wait: bool = Field(True, description="wait for the jobs to finish, then write the funnel and report")


class RayConfig(StrictModel):
    """Settings passed to datatrove's RayPipelineExecutor."""

    address: str | None = Field(None, description="an existing Ray cluster; none starts a local one")
    cpus_per_task: int = Field(1, ge=1)
    mem_per_cpu_gb: float = Field(2, gt=0)


class ExecutorConfig(StrictModel):
    """Which datatrove executor runs each stage, and how many tasks it splits the work into."""

    kind: Literal["local", "slurm", "ray"] = Field("local", description="the datatrove executor: local, slurm or ray")
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
    """A whole pipeline run; :func:`run_model` adds one optional block per registered stage."""

    name: str = Field("curate", pattern=r"^[A-Za-z0-9_.\-]+$", description="run name; used in job names")
    output: PathStr = Field(description="the run's output folder")
    input: InputConfig | None = None
    executor: ExecutorConfig = Field(default_factory=ExecutorConfig)

    def stage_blocks(self) -> dict[str, StrictModel]:
        """The stage blocks present in this config, by stage name, in pipeline order."""
        return {s.name: getattr(self, s.name) for s in specs() if getattr(self, s.name, None) is not None}


@lru_cache(maxsize=None)
def _run_model(packages: tuple[str, ...]) -> type[RunConfig]:
    blocks: dict[str, Any] = {s.name: (Optional[s.config], Field(None, description=s.help))
                              for s in load_specs(packages)}
    return create_model("RunConfig", __base__=RunConfig, **blocks)


def run_model() -> type[RunConfig]:
    """The run config model with one block per registered stage."""
    return _run_model(stages.STAGE_PACKAGES)


def parse_config(data: dict, source: str = "<config>", base: str | Path | None = None) -> RunConfig:
    """Validate an already-loaded mapping (relative paths against ``base``); raises ConfigError with a readable
    message."""
    return validate(run_model(), data, source, base)


def load_config(path: str | Path, overrides: dict[str, Any] | None = None) -> RunConfig:
    """Read a YAML run config, resolve its relative paths against its folder, apply dotted-key overrides.

    ``overrides`` maps dotted keys to values, e.g. ``{"executor.tasks": 4, "output": "/tmp/x"}``; override values
    that are paths should already be absolute (the CLI resolves them against the working directory).
    """
    path = Path(path)
    data = read_yaml_mapping(path, "name, output, input, executor and one block per stage")
    for key, value in (overrides or {}).items():
        set_dotted(data, key, value)
    return parse_config(data, str(path), base=path.parent.resolve())


def set_dotted(data: dict, dotted: str, value: Any) -> None:
    """Set ``data["a"]["b"] = value`` for ``"a.b"``, creating the intermediate mappings."""
    *parents, last = dotted.split(".")
    node = data
    for p in parents:
        if not isinstance(node.get(p), dict):
            node[p] = {}
        node = node[p]
    node[last] = value
