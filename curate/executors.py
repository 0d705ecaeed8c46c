"""Build datatrove executors from the run's ``executor`` block. We never schedule anything ourselves."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from curate.config import ExecutorConfig
from curate.errors import ConfigError, missing_package
from curate.stage import StepGroup


def default_venv_activate() -> str | None:
    """The running virtualenv's ``bin/activate`` (what datatrove's Slurm executor wants as ``venv_path``)."""
    activate = Path(sys.prefix) / "bin" / "activate"
    return str(activate) if sys.prefix != sys.base_prefix and activate.is_file() else None


def build_executor(cfg: ExecutorConfig, group: StepGroup, logging_dir: Path, job_name: str, depends=None):
    """One datatrove executor running ``group.pipeline`` over ``group.tasks`` (or ``cfg.tasks``) shards.

    ``depends`` is the executor of the previous step group; the Slurm executor turns it into ``--dependency``,
    the local one runs it first if it has not run yet.
    """
    tasks = group.tasks or cfg.tasks
    workers = group.workers or cfg.workers
    if workers != -1:
        workers = min(workers, tasks)
    if cfg.kind == "local":
        from datatrove.executor import LocalPipelineExecutor

        return LocalPipelineExecutor(
            pipeline=group.pipeline, tasks=tasks, workers=workers, logging_dir=str(logging_dir), depends=depends,
            skip_completed=True,
        )
    if cfg.kind == "slurm":
        return _slurm(cfg, group, tasks, workers, logging_dir, job_name, depends)
    return _ray(cfg, group, tasks, workers, logging_dir, depends)


def _slurm(cfg, group, tasks, workers, logging_dir, job_name, depends):
    from datatrove.executor import SlurmPipelineExecutor

    s = cfg.slurm
    venv = s.venv_path or default_venv_activate()
    sbatch_args = {"kill-on-invalid-dep": "yes", **s.sbatch_args}
    return SlurmPipelineExecutor(
        pipeline=group.pipeline,
        tasks=tasks,
        workers=workers,
        time=s.time,
        partition=s.partition or default_partition(),
        cpus_per_task=group.cpus_per_task or s.cpus_per_task,
        mem_per_cpu_gb=s.mem_per_cpu_gb,
        qos=s.qos,
        job_name=job_name,
        venv_path=venv,
        sbatch_args=sbatch_args,
        logging_dir=str(logging_dir),
        slurm_logs_folder=s.logs_folder or str(logging_dir / "slurm_logs"),
        depends=depends,
        skip_completed=True,
    )


def default_partition() -> str:
    """The cluster's default partition (marked with ``*`` by ``sinfo``)."""
    import subprocess

    try:
        out = subprocess.run(["sinfo", "-h", "-o", "%P"], capture_output=True, text=True, timeout=30, check=True)
    except (OSError, subprocess.SubprocessError) as err:
        raise ConfigError(
            f"executor.slurm.partition is not set and `sinfo` could not tell the default partition ({err}); "
            "set executor.slurm.partition"
        ) from None
    for line in out.stdout.split():
        if line.endswith("*"):
            return line[:-1]
    raise ConfigError("the cluster reports no default partition; set executor.slurm.partition")


def _ray(cfg, group, tasks, workers, logging_dir, depends):
    try:
        from datatrove.executor import RayPipelineExecutor
        import ray  # noqa: F401
    except ImportError:
        raise missing_package("ray", extra="ray") from None
    r = cfg.ray
    if r.address:
        os.environ.setdefault("RAY_ADDRESS", r.address)
    return RayPipelineExecutor(
        pipeline=group.pipeline,
        tasks=tasks,
        workers=workers,
        logging_dir=str(logging_dir),
        depends=depends,
        skip_completed=True,
        cpus_per_task=group.cpus_per_task or r.cpus_per_task,
        mem_per_cpu_gb=r.mem_per_cpu_gb,
    )
