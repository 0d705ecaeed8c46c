"""Everything Slurm: the executor of one step group, sbatch safety, submission, the queue and waiting for it.

Every step group of a run becomes one datatrove ``SlurmPipelineExecutor`` (one sbatch job array), all submitted at
once and chained with ``--dependency=afterok`` (``kill-on-invalid-dep``: a failed step cancels its dependents instead
of leaving them pending). Resuming is datatrove's: a group whose ranks are all complete is not submitted, and the
others submit only their incomplete ranks. We read the queue with ``squeue`` only (no ``sacct``: clusters without
accounting work too).

Before anything reaches ``sbatch``, :func:`check_sbatch_safe` refuses every string that datatrove would write
unquoted into the job script (paths, partition, qos, extra sbatch options): see its docstring.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

from curate.config import ExecutorConfig
from curate.errors import ConfigError, CurateError

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


def slurm_logs_folder(cfg: ExecutorConfig, logging_dir: Path) -> str:
    """Where sbatch writes the ``<job>_<array index>.out`` logs of one step group."""
    return cfg.slurm.logs_folder or str(logging_dir / "slurm_logs")


def slurm_venv(cfg: ExecutorConfig) -> str | None:
    return cfg.slurm.venv_path or default_venv_activate()


def slurm_executor(cfg: ExecutorConfig, group, tasks: int, workers: int, logging_dir: Path, job_name: str, depends):
    """datatrove's SlurmPipelineExecutor for one step group (one job array)."""
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


def queued_jobs(job_names: list[str]) -> dict[str, list[tuple[str, str, str]]] | None:
    """Array elements in the queue per job name: ``(array job id, array index, state)``; None without squeue."""
    if not job_names:
        return {}
    try:
        res = subprocess.run(["squeue", "-h", "-r", "--name", ",".join(job_names), "-o", "%j|%F|%K|%T"],
                             capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    if res.returncode != 0:
        return None
    jobs: dict[str, list[tuple[str, str, str]]] = {}
    for line in res.stdout.splitlines():
        parts = line.strip().split("|")
        if len(parts) == 4 and parts[2] not in ("N/A", ""):  # merge_stats jobs are not arrays
            jobs.setdefault(parts[0], []).append((parts[1], parts[2], parts[3]))
    return jobs



def active_jobs(job_ids: list[str]) -> list[str]:
    """Which of these job ids are still queued or running (empty once they have all left the queue)."""
    res = subprocess.run(["squeue", "-h", "-j", ",".join(job_ids), "-o", "%i"], capture_output=True, text=True)
    if res.returncode != 0 and "Invalid job id" not in res.stderr:
        raise CurateError(f"squeue failed: {res.stderr.strip()}")
    return sorted(set(res.stdout.split()))


def submit(last) -> None:
    """Submit a chain of Slurm executors by running the last one (datatrove launches its dependencies first)."""
    try:
        last.run()
    except subprocess.CalledProcessError as err:
        raise CurateError(f"sbatch failed (exit status {err.returncode}); its message is above") from None


def wait(job_ids: list[str], tasks: int) -> None:
    """Poll ``squeue`` until none of these jobs is left (``tasks``: how many tasks they hold; the poll is every 2 s
    for a small run, up to every 30 s for a big one)."""
    poll_s = min(30.0, 2.0 + tasks / 1000)
    while job_ids and active_jobs(job_ids):
        time.sleep(poll_s)
