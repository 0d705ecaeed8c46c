"""Build datatrove executors from the run's ``executor`` block. We never schedule anything ourselves.

Three kinds, one per datatrove executor: ``local`` (``LocalPipelineExecutor``), ``slurm``
(``SlurmPipelineExecutor``: one sbatch job array per step group, chained with ``--dependency``) and ``ray``
(``RayPipelineExecutor``, on a local Ray that :func:`ray_session` starts and stops, or an existing cluster).

Before anything reaches ``sbatch``, :func:`check_sbatch_safe` refuses every string that datatrove would write
unquoted into the job script (paths, partition, qos, extra sbatch options): see its docstring.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from curate.config import ExecutorConfig, RayConfig
from curate.errors import ConfigError, missing_package
from curate.stage import StepGroup

# characters allowed in a string that datatrove puts on a shell line of the job script
_SHELL_SAFE = re.compile(r"^[A-Za-z0-9_./+,:@=-]+$")
_SAFE_DESCRIPTION = "letters, digits and _ . / + , : @ = -"
# an sbatch option name, and a value for an `#SBATCH --name=value` line (read by sbatch, never by the shell)
_SBATCH_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9-]*$")
_SBATCH_VALUE_BAD = re.compile(r"[\s'\"`$\\;]|[\x00-\x1f\x7f]")


def default_venv_activate() -> str | None:
    """The running virtualenv's ``bin/activate`` (what datatrove's Slurm executor wants as ``venv_path``)."""
    activate = Path(sys.prefix) / "bin" / "activate"
    return str(activate) if sys.prefix != sys.base_prefix and activate.is_file() else None


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
        return _slurm(cfg, group, tasks, workers, logging_dir, job_name, depends)
    return _ray(cfg, group, tasks, workers, logging_dir, depends)


def slurm_logs_folder(cfg: ExecutorConfig, logging_dir: Path) -> str:
    """Where sbatch writes the ``<job>_<array index>.out`` logs of one step group."""
    return cfg.slurm.logs_folder or str(logging_dir / "slurm_logs")


def slurm_venv(cfg: ExecutorConfig) -> str | None:
    return cfg.slurm.venv_path or default_venv_activate()


def _slurm(cfg, group, tasks, workers, logging_dir, job_name, depends):
    from datatrove.executor import SlurmPipelineExecutor

    s = cfg.slurm
    # kill-on-invalid-dep: a failed step cancels the steps that depend on it instead of leaving them pending
    # memory in MB: datatrove writes "<gb>G", which Slurm refuses for a float such as 1.0 or 1.5
    sbatch_args = {"kill-on-invalid-dep": "yes", "mem-per-cpu": f"{round(s.mem_per_cpu_gb * 1024)}M", **s.sbatch_args}
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
        venv_path=slurm_venv(cfg),
        sbatch_args=sbatch_args,
        logging_dir=str(logging_dir),
        slurm_logs_folder=slurm_logs_folder(cfg, logging_dir),
        depends=depends,
        skip_completed=True,
    )


def default_partition() -> str:
    """The cluster's default partition (marked with ``*`` by ``sinfo``)."""
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


def check_sbatch_safe(cfg: ExecutorConfig, output: Path, job_names: list[str]) -> None:
    """Refuse, before anything is submitted, every string that would reach the sbatch script unsafely.

    datatrove writes the logging folder, the Slurm logs folder and the venv path unquoted into shell lines of the
    job script (``source VENV``, ``srun ... launch_pickled_pipeline LOGDIR/executor.pik``, ``merge_stats ...``), so
    a space would split them and a quote, ``$(...)`` or backtick would be run by the shell. Those paths (and the job
    names, partition and qos) must use only letters, digits and ``_ . / + , : @ = -``. Extra sbatch options only
    reach ``#SBATCH --name=value`` lines, read by sbatch itself: their names must be option names and their values
    free of whitespace, quotes, ``$``, backticks, backslashes, ``;`` and control characters (a newline there
    would start a shell line). Input paths never reach the script: they travel inside the pickled pipeline.
    """
    s = cfg.slurm
    for key, value in _shell_strings(cfg, output, job_names):
        if not _SHELL_SAFE.match(value):
            raise ConfigError(
                f"{key}: {value!r} cannot be passed to sbatch: it contains {_describe_bad(value)}, and datatrove "
                f"writes it unquoted into the job script's shell lines, where the shell would split or run it. "
                f"Use a value made only of {_SAFE_DESCRIPTION}."
            )
    for key, value in s.sbatch_args.items():
        if not _SBATCH_KEY.match(key):
            raise ConfigError(
                f"executor.slurm.sbatch_args: {key!r} is not an sbatch option name (letters, digits and -, "
                "without the leading --)"
            )
        if _SBATCH_VALUE_BAD.search(str(value)):
            raise ConfigError(
                f"executor.slurm.sbatch_args.{key}: {value!r} cannot go on an #SBATCH line: it contains "
                f"{_describe_bad(str(value))}; whitespace, quotes, $, backticks, backslashes, ; and control "
                "characters are refused"
            )
    venv = slurm_venv(cfg)
    if venv and not Path(venv).is_file():
        raise ConfigError(
            f"executor.slurm.venv_path: {venv} is not a file; it must be the venv's activate script "
            "(e.g. /path/to/.venv/bin/activate), not the venv folder"
        )


def _shell_strings(cfg: ExecutorConfig, output: Path, job_names: list[str]) -> list[tuple[str, str]]:
    """(config key, value) of every string datatrove puts on a shell line or an sbatch option of the job script."""
    s = cfg.slurm
    strings = [("output (the run's output folder, which holds the logging folders)", str(output))]
    strings += [("name (the run name, used in job names)", n) for n in job_names]
    venv = slurm_venv(cfg)
    if venv:
        strings.append(("executor.slurm.venv_path" if s.venv_path else "the running venv (executor.slurm.venv_path)",
                        venv))
    optional = (("executor.slurm.logs_folder", s.logs_folder), ("executor.slurm.partition", s.partition),
                ("executor.slurm.qos", s.qos))
    return strings + [(key, value) for key, value in optional if value]


def _describe_bad(value: str) -> str:
    bad = sorted({c for c in value if not _SHELL_SAFE.match(c)})
    return ", ".join("a space" if c == " " else repr(c) for c in bad)


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
