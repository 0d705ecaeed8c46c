"""The driver: turns a validated :class:`~curate.config.RunConfig` into datatrove executors and runs them.

Stages run in the fixed order of :data:`curate.stages.STAGE_ORDER`; each configured stage reads what the previous
configured stage kept. Locally and on Ray each step group runs to completion before the next starts; on Slurm all
groups are submitted at once, chained with ``--dependency`` (``kill-on-invalid-dep`` so a failure cancels its
dependents), and the driver waits for the queue to drain before it writes the funnel. Re-running the same command
resumes: datatrove skips every task whose completion marker exists, and a Slurm step is resubmitted with only its
incomplete ranks. ``logs/curate_run.json`` records the run for ``curate status``.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import time
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import yaml

from curate.config import RunConfig
from curate.errors import ConfigError, CurateError
from curate.executors import build_executor, check_sbatch_safe, ray_session, slurm_logs_folder
from curate.report.funnel import StageFunnel, render, stage_funnel, write_funnel
from curate.stage import StageContext, StagePlan
from curate.stages import BRANCH_STAGES, FEEDS, STAGE_ORDER, available, planner
from curate.status import driver_alive, read_run_record, run_status, write_run_record


@dataclass
class PlannedStage:
    name: str
    plan: StagePlan
    ctx: StageContext

    def log_dirs(self) -> list[Path]:
        return [self.ctx.logs_dir(g.name) for g in self.plan.groups]


def run_id(cfg: RunConfig) -> str:
    """A stable id for this run: its name plus a hash of everything but the executor settings.

    The same config gives the same id on any executor, so outputs of a local and a Slurm run compare equal.
    """
    payload = cfg.model_dump(mode="json", exclude={"executor"})
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:12]
    return f"{cfg.name}-{digest}"


def plan_run(cfg: RunConfig, only: list[str] | None = None) -> list[PlannedStage]:
    """Plan every configured stage (or the ``only`` subset), wiring each to its upstream's kept folder (branch stages
    and feeders: see :mod:`curate.stages`)."""
    blocks = cfg.stage_blocks()
    if not blocks:
        raise ConfigError(f"the config has no stage block; add at least one of: {', '.join(available())}")
    unknown = [s for s in (only or []) if s not in blocks]
    if unknown:
        raise ConfigError(
            f"--stages names {', '.join(unknown)}, not configured in this run; configured: {', '.join(blocks)}"
        )
    output = Path(cfg.output)
    rid = run_id(cfg)
    planned, upstream = [], None
    for name in STAGE_ORDER:
        if name not in blocks:
            continue
        if name not in available():
            raise ConfigError(f"stage {name!r} is not implemented in this version; remove its block")
        ctx = StageContext(output=output, run_id=rid, executor=cfg.executor, input=cfg.input, upstream=upstream,
                           stages=tuple(blocks))
        if FEEDS.get(name) in blocks:
            ctx.upstream = ctx.kept_dir(FEEDS[name])
        if only is None or name in only:
            planned.append(PlannedStage(name, planner(name)(blocks[name], ctx), ctx))
        if name not in BRANCH_STAGES:
            upstream = ctx.kept_dir(name)
    return planned


def describe(cfg: RunConfig, planned: list[PlannedStage]) -> str:
    """The resolved config and the datatrove steps of each stage (what ``--dry-run`` prints)."""
    out = ["# resolved config", yaml.safe_dump(cfg.model_dump(mode="json"), sort_keys=False).rstrip(), "", "# plan"]
    for ps in planned:
        for g in ps.plan.groups:
            tasks = g.task_count(cfg.executor)
            out.append(f"{g.name}: {cfg.executor.kind} executor, {tasks} task(s), logs in {ps.ctx.logs_dir(g.name)}")
            out.extend(f"    {i}. {step}" for i, step in enumerate(g.pipeline, 1))
        if ps.plan.finalize:
            out.append(f"{ps.name}: then {getattr(ps.plan.finalize, '__name__', 'finalize')} on this machine")
    return "\n".join(out)


def execute(cfg: RunConfig, planned: list[PlannedStage], echo=print) -> list[StageFunnel]:
    """Run the planned stages on the configured executor; returns (and writes) the funnel.

    Before anything runs, the run record that ``curate status`` reads is written (``logs/curate_run.json``), and a
    run whose previous submission is still active (its Slurm jobs queued, or its driver alive) is refused, so two
    drivers never write the same ranks. Re-running after a failure runs only the tasks without a completion marker.
    """
    _refuse_if_active(cfg)
    kind = cfg.executor.kind
    if kind == "slurm":
        _submit_slurm(cfg, planned, echo)
        if not cfg.executor.slurm.wait:
            echo(f"submitted; follow with `curate status {cfg.output}`, re-run the same command to resume")
            return []
        try:
            _wait_slurm(cfg, planned, echo)
            for ps in planned:
                _check_complete(ps, cfg)
                if ps.plan.finalize:
                    ps.plan.finalize()
        finally:
            _mark_finished(cfg)
    else:
        _record_run(cfg, planned, {})
        try:
            with ray_session(cfg.executor.ray) if kind == "ray" else nullcontext():
                _run_in_order(cfg, planned, echo)
        finally:
            _mark_finished(cfg)
    funnels = []
    for ps in planned:
        if ps.plan.counts_documents:
            funnels.append(stage_funnel(ps.name, ps.log_dirs()))
            funnels[-1].extra = ps.plan.funnel_extra() if ps.plan.funnel_extra else {}
    path = write_funnel(funnels, Path(cfg.output) / "report")
    if len(funnels) > 1 or kind == "slurm":
        echo(render(funnels))
    echo(f"funnel written to {path}")
    return funnels


def _run_in_order(cfg: RunConfig, planned: list[PlannedStage], echo) -> None:
    """Local and Ray: each step group runs to completion (or fails) before the next one starts."""
    for ps in planned:
        for g in ps.plan.groups:
            try:
                build_executor(cfg.executor, g, ps.ctx.logs_dir(g.name), _job_name(cfg, g.name)).run()
            except Exception:
                _check_group(ps, g, cfg)  # a task failed: report which, with its log, as a user-facing error
                raise
            _check_group(ps, g, cfg)
        if ps.plan.finalize:
            ps.plan.finalize()
        if ps.plan.counts_documents:
            echo(render([stage_funnel(ps.name, ps.log_dirs())]))


def _job_name(cfg: RunConfig, group: str) -> str:
    return f"{cfg.name}.{group}"


def _check_complete(ps: PlannedStage, cfg: RunConfig) -> None:
    for g in ps.plan.groups:
        _check_group(ps, g, cfg)


def _check_group(ps: PlannedStage, g, cfg: RunConfig) -> None:
    """Fail loudly when a task of the step did not complete, naming the failed tasks' logs; a re-run resumes."""
    log_dir = ps.ctx.logs_dir(g.name)
    tasks = g.task_count(ps.ctx.executor)
    done = _completed(log_dir)
    if done >= tasks:
        return
    _mark_finished(cfg)
    failed = next((s.failed for s in run_status(Path(cfg.output))[1] if s.group == g.name), [])
    detail = "".join(f"\n  rank {f.rank}: {f.error}" + "".join(f"\n    log: {p}" for p in f.logs) for f in failed)
    raise CurateError(
        f"step {g.name}: {tasks - done} of {tasks} task(s) did not complete{detail}\n"
        f"`curate status {cfg.output}` shows every step; fix the cause and re-run the same command: only the tasks "
        "that did not complete run again"
    )


def _record_run(cfg: RunConfig, planned: list[PlannedStage], executors: dict[str, object]) -> None:
    """Write the run record (:mod:`curate.status`): the steps, their logging folders and Slurm job ids."""
    now = time.time()
    groups = []
    for ps in planned:
        for g in ps.plan.groups:
            log_dir = ps.ctx.logs_dir(g.name)
            job_id = getattr(executors.get(g.name), "job_id", None)
            groups.append({
                "stage": ps.name, "group": g.name, "tasks": g.task_count(cfg.executor), "log_dir": str(log_dir),
                "job_name": _job_name(cfg, g.name), "job_id": None if job_id in (None, -1) else str(job_id),
                "slurm_logs": slurm_logs_folder(cfg.executor, log_dir), "submitted": now,
            })
    write_run_record(Path(cfg.output), {
        "name": cfg.name, "run_id": run_id(cfg), "output": cfg.output, "executor": cfg.executor.kind,
        "started": now, "host": socket.gethostname(), "pid": os.getpid(), "finished": False, "groups": groups,
    })


def _mark_finished(cfg: RunConfig) -> None:
    record = read_run_record(Path(cfg.output))
    if record is not None and record.get("pid") == os.getpid() and not record.get("finished"):
        write_run_record(Path(cfg.output), record | {"finished": True})


def _refuse_if_active(cfg: RunConfig) -> None:
    """Refuse to start while the previous submission into the same output folder is still active."""
    record = read_run_record(Path(cfg.output))
    if record is None:
        return
    if record.get("pid") != os.getpid() and driver_alive(record):
        raise CurateError(
            f"a run into {cfg.output} is still going (pid {record['pid']} on this host); wait for it or stop it "
            f"(if that process is no curate run, delete {Path(cfg.output) / 'logs' / 'curate_run.json'})"
        )
    ids = [g["job_id"] for g in record.get("groups", []) if g.get("job_id")]
    if record.get("executor") == "slurm" and ids:
        res = _squeue(ids)
        if res.returncode == 0 and res.stdout.strip():
            raise CurateError(
                f"Slurm jobs of the previous submission into {cfg.output} are still queued or running "
                f"({', '.join(sorted(set(res.stdout.split())))}); wait for them (`curate status {cfg.output}`) "
                "or scancel them, then re-run"
            )


def preflight(cfg: RunConfig, planned: list[PlannedStage]) -> None:
    """Checks that need the plan, run by ``curate validate`` and before any submission: on Slurm, every string
    that reaches the sbatch script must be safe for the shell (:func:`curate.executors.check_sbatch_safe`)."""
    if cfg.executor.kind == "slurm":
        names = [_job_name(cfg, g.name) for ps in planned for g in ps.plan.groups]
        check_sbatch_safe(cfg.executor, Path(cfg.output), names)


def _submit_slurm(cfg: RunConfig, planned: list[PlannedStage], echo) -> None:
    """Submit every step group as one job array, each depending on the previous one (afterok).

    Groups whose tasks are all complete are skipped (datatrove's job id -1), and only the incomplete ranks of the
    others are submitted: that is the resume.
    """
    preflight(cfg, planned)
    previous, executors = None, {}
    for ps in planned:
        for g in ps.plan.groups:
            previous = build_executor(cfg.executor, g, ps.ctx.logs_dir(g.name), _job_name(cfg, g.name), previous)
            executors[g.name] = previous
    try:
        previous.run()  # launches its dependencies first
    except subprocess.CalledProcessError as err:
        raise CurateError(f"sbatch failed (exit status {err.returncode}); its message is above") from None
    finally:
        _record_run(cfg, planned, executors)
    submitted = {n: e.job_id for n, e in executors.items() if e.job_id not in (None, -1)}
    skipped = [n for n, e in executors.items() if e.job_id == -1]
    parts = [", ".join(f"{n}={j}" for n, j in submitted.items())] if submitted else []
    parts += [f"already complete: {', '.join(skipped)}"] if skipped else []
    echo(f"submitted {len(submitted)} Slurm job array(s) for run {cfg.name}" + (": " if parts else "")
         + "; ".join(parts))


def _wait_slurm(cfg: RunConfig, planned: list[PlannedStage], echo) -> None:
    """Poll ``squeue`` until none of the run's jobs is left (no ``sacct``: it needs accounting), echoing progress
    (completion markers per step) when it changes. Polls every 2 s for a small run, up to every 30 s for a big one."""
    groups = (read_run_record(Path(cfg.output)) or {}).get("groups", [])
    ids = [g["job_id"] for g in groups if g.get("job_id")]
    poll_s = min(30.0, 2.0 + sum(g["tasks"] for g in groups) / 1000)
    last = None
    while ids:
        res = _squeue(ids)
        if res.returncode != 0 and "Invalid job id" not in res.stderr:
            raise CurateError(f"squeue failed while waiting for the jobs: {res.stderr.strip()}")
        progress = ", ".join(f"{g['group']} {_completed(Path(g['log_dir']))}/{g['tasks']}" for g in groups)
        if progress != last:
            echo(f"done: {progress}")
            last = progress
        if not res.stdout.strip():
            return
        time.sleep(poll_s)


def _squeue(job_ids: list[str]) -> subprocess.CompletedProcess:
    """``squeue`` restricted to these jobs, one job id per line (empty once they have all left the queue)."""
    return subprocess.run(["squeue", "-h", "-j", ",".join(job_ids), "-o", "%i"], capture_output=True, text=True)


def _completed(log_dir: Path) -> int:
    folder = log_dir / "completions"
    return sum(1 for _ in folder.iterdir()) if folder.is_dir() else 0
