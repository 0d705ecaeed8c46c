"""Build datatrove executors from the run's ``executor`` block. We never schedule anything ourselves.

Three kinds, one per datatrove executor: ``local`` (``LocalPipelineExecutor``), ``slurm``
(``SlurmPipelineExecutor``, built in :mod:`curate.slurm`) and ``ray`` (``RayPipelineExecutor``, on a local Ray that
:func:`ray_session` starts and stops, or an existing cluster).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

from curate.config import ExecutorConfig, RayConfig
from curate.errors import missing_package
from curate.slurm import slurm_executor
from curate.stage import StepGroup


def build_executor(cfg: ExecutorConfig, group: StepGroup, logging_dir: Path, job_name: str, depends=None):
    """One datatrove executor running ``group.pipeline`` over ``group.tasks`` (or ``cfg.tasks``) shards.

    ``depends`` is the executor of the previous step group; the Slurm executor turns it into ``--dependency``,
    the local one runs it first if it has not run yet.
    """
    tasks = group.task_count(cfg)
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
        return slurm_executor(cfg, group, tasks, workers, logging_dir, job_name, depends)
    return _ray(cfg, group, tasks, workers, logging_dir, depends)


def _ray(cfg, group, tasks, workers, logging_dir, depends):
    try:
        from datatrove.executor import RayPipelineExecutor
        import ray  # noqa: F401
    except ImportError:
        raise missing_package("ray", extra="ray") from None
    r = cfg.ray
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


@contextmanager
def ray_session(cfg: RayConfig):
    """Connect to Ray for the duration of a run: ``ray.address`` if set, else a local Ray started here and shut
    down at the end (no dashboard; as many CPUs as this machine has). An already initialised Ray is left alone."""
    try:
        import ray
    except ImportError:
        raise missing_package("ray", extra="ray") from None
    if ray.is_initialized():
        yield
        return
    if cfg.address:
        ray.init(address=cfg.address, log_to_driver=False)
    else:
        ray.init(num_cpus=os.cpu_count() or 1, include_dashboard=False, log_to_driver=False)
    try:
        yield
    finally:
        ray.shutdown()
