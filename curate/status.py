"""Where a run stands, per stage and step: tasks done, running, pending and failed.

Everything is read back from the run's folder and, for Slurm, from the queue; nothing is kept in a database:

- the run record (:mod:`curate.runrecord`);
- datatrove's ``<logging dir>/completions/<rank>`` markers (a task is done when its marker exists);
- datatrove's per-task logs ``<logging dir>/logs/task_<rank>.log`` and, on Slurm, sbatch's
  ``<slurm logs>/<job>_<array index>.out`` (``ranks_to_run.json`` maps array indices to ranks);
- ``squeue`` for the tasks still queued or running (no ``sacct``: clusters without accounting work too).

A task that is not done is *failed* when its log (from this submission, not an older one) shows an error, or when it
started and stopped while nothing of its step is left in the queue and the driver is gone (killed: time limit,
memory, SIGKILL). Rendering is the CLI's (:mod:`curate.cli.status`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from curate.errors import CurateError
from curate.runrecord import RUN_RECORD, driver_alive, read_run_record
from curate.slurm import queued_jobs
_FAILURE_LINE = re.compile(r"\| ERROR |srun: error:|slurmstepd: error:|CANCELLED AT|Exited with exit code|oom[-_]kill")
# the last line of a Python traceback (srun -l prefixes "<task>: ")
_EXCEPTION_LINE = re.compile(r"^(\d+: )?[A-Za-z_][\w.]*(Error|Exception|Interrupt|Exit)\b")
MAX_ARRAY_SIZE = 1001  # datatrove's default max_array_size: larger steps are split over several arrays


@dataclass
class TaskFailure:
    rank: int
    error: str | None
    logs: list[str]


@dataclass
class GroupStatus:
    stage: str
    group: str
    tasks: int
    done: int = 0
    running: int = 0
    pending: int = 0
    failed: list[TaskFailure] = field(default_factory=list)
    job_id: str | None = None

    @property
    def state(self) -> str:
        if self.done == self.tasks:
            return "done"
        if self.failed:
            return "failed"
        return "running" if self.running else "pending"


def run_status(output: Path) -> tuple[dict, list[GroupStatus], bool]:
    """The run record, the status of each step group, and whether the queue could be read."""
    record = read_run_record(output)
    if record is None:
        raise CurateError(f"{output} holds no run record ({RUN_RECORD}); give the output folder of a `curate run`")
    slurm = record.get("executor") == "slurm"
    queue = queued_jobs([g["job_name"] for g in record["groups"] if g.get("job_id")]) if slurm else {}
    alive = driver_alive(record)
    statuses = [_group_status(g, _own_rows(g, queue or {}), alive, slurm) for g in record["groups"]]
    return record, statuses, queue is not None


def _own_rows(g: dict, queue: dict[str, list[tuple[str, str, str]]]) -> list[tuple[str, str, str]]:
    """The queue rows of this step's job array (another run may use the same job name). A step of more than
    MAX_ARRAY_SIZE tasks is split by datatrove into several arrays, of which only the last id is known: then every
    array of that name counts."""
    rows = queue.get(g["job_name"], [])
    if g["tasks"] > MAX_ARRAY_SIZE:
        return rows
    return [r for r in rows if r[0] == g.get("job_id")]


def _group_status(g: dict, in_queue: list[tuple[str, str, str]], alive: bool, slurm: bool) -> GroupStatus:
    log_dir = Path(g["log_dir"])
    st = GroupStatus(g["stage"], g["group"], g["tasks"], job_id=g.get("job_id"))
    done = {p.name for p in (log_dir / "completions").glob("*")} if (log_dir / "completions").is_dir() else set()
    ranks_to_run = _ranks_to_run(log_dir) if slurm else []
    since = float(g.get("submitted", 0)) - 1
    st.running = sum(1 for *_, state in in_queue if state in ("RUNNING", "COMPLETING"))
    started_unfinished = 0
    for rank in range(st.tasks):
        if f"{rank:05d}" in done:
            st.done += 1
            continue
        logs = _task_logs(g, log_dir, rank, ranks_to_run, since)
        error = _last_error(logs)
        if error is not None or (logs and not in_queue and (slurm or not alive)):
            st.failed.append(TaskFailure(rank, error or "stopped without an error in its log (killed? time limit or "
                                                        "memory?)", [str(p) for p in logs]))
        elif logs and not slurm and alive:
            started_unfinished += 1
    if not slurm:
        st.running = started_unfinished
    st.pending = max(st.tasks - st.done - len(st.failed) - st.running, 0)
    return st


def _ranks_to_run(log_dir: Path) -> list[int]:
    try:
        return json.loads((log_dir / "ranks_to_run.json").read_text())
    except (OSError, ValueError):
        return []


def _task_logs(g: dict, log_dir: Path, rank: int, ranks_to_run: list[int], since: float) -> list[Path]:
    """This submission's logs of one task: datatrove's task log and, on Slurm, sbatch's output file."""
    logs = [log_dir / "logs" / f"task_{rank:05d}.log"]
    if g.get("job_id") and rank in ranks_to_run and len(ranks_to_run) <= MAX_ARRAY_SIZE:
        logs.append(Path(g["slurm_logs"]) / f"{g['job_id']}_{ranks_to_run.index(rank)}.out")
    return [p for p in logs if p.is_file() and p.stat().st_mtime >= since]


def _last_error(logs: list[Path]) -> str | None:
    """What went wrong, if the logs say a task failed: datatrove logs the exception at ERROR level, srun and
    slurmstepd write ``error:`` lines (exit code, time limit, out of memory). The last exception line of a
    traceback is the most telling message; otherwise the failure line itself. None if no log reports a failure."""
    failure, exception = None, None
    for path in logs:  # datatrove's task log first: the exception it names is the cause
        last_exception = None
        for line in path.read_text(errors="replace").splitlines():
            if _FAILURE_LINE.search(line):
                failure = failure or line.strip()
            if match := _EXCEPTION_LINE.match(line):
                last_exception = line[len(match.group(1) or ""):].strip()
        exception = exception or last_exception
    if failure is None:
        return None
    return (exception or failure)[:300]
