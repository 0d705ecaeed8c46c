"""The driver: turns a validated run config into datatrove executors and runs them.

:func:`plan_run` plans every configured stage in registry order (:mod:`curate.stages`), resolving the named artifacts
each consumes from the stages before it; :func:`execute` runs the plans. Locally and on Ray each step group runs to
completion before the next starts; on Slurm every group is submitted at once, chained (:mod:`curate.slurm`), and the
driver waits for the queue to drain. Re-running the same command resumes: datatrove skips every task whose
completion marker exists. The run record (:mod:`curate.runrecord`) tells ``curate status`` what was launched.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import yaml

from curate.config import RunConfig
from curate.errors import ConfigError, CurateError
from curate.executors import build_executor, ray_session
from curate.report.funnel import StageFunnel, render, stage_funnel, write_funnel
from curate.runrecord import RUN_RECORD, driver_alive, mark_finished, read_run_record, write_run_record
from curate.slurm import active_jobs, check_sbatch_safe, slurm_logs_folder, submit, wait
from curate.stage import StageContext, StagePlan, StepGroup
from curate.stages import names, specs
from curate.status import run_status
from curate.stagespec import StageSpec

Echo = Callable[[str], None]


@dataclass
class PlannedStage:
    spec: StageSpec
    plan: StagePlan
    ctx: StageContext

    @property
    def name(self) -> str:
        return self.spec.name

    def accounted_logs(self) -> list[Path]:
        """The logging folder of the group that counts this stage's documents (the funnel reads only it)."""
        return [self.ctx.logs_dir(g.name) for g in self.plan.groups if g.accounted]


def run_id(cfg: RunConfig) -> str:
    """A stable id for this run: its name plus a hash of everything but the executor settings.

    The same config gives the same id on any executor, so outputs of a local and a Slurm run compare equal.
    """
    payload = cfg.model_dump(mode="json", exclude={"executor"})
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:12]
    return f"{cfg.name}-{digest}"


def plan_run(cfg: RunConfig, only: list[str] | None = None) -> list[PlannedStage]:
    """Plan every configured stage in pipeline order (the plans are the pre-flight checks), each seeing the artifacts
    of the stages before it; return all of them, or the ``only`` subset."""
    blocks = cfg.stage_blocks()
    if not blocks:
        raise ConfigError(f"the config has no stage block; add at least one of: {', '.join(names())}")
    unknown = [s for s in (only or []) if s not in blocks]
    if unknown:
        raise ConfigError(
            f"--stages names {', '.join(unknown)}, not configured in this run; configured: {', '.join(blocks)}"
        )
    output, rid, artifacts = Path(cfg.output), run_id(cfg), {}
    planned = []
    for spec in specs():
        if spec.name not in blocks:
            continue
        first = not planned
        consumes = None if first and spec.consumes not in artifacts else spec.consumes
        ctx = StageContext(spec.name, output, rid, cfg.executor, cfg.input, dict(artifacts), consumes)
        plan = spec.planner()(blocks[spec.name], ctx)
        artifacts.update({name: ctx.kept_dir for name in spec.produces} | plan.artifacts)
        planned.append(PlannedStage(spec, plan, ctx))
    return [ps for ps in planned if only is None or ps.name in only]


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


def preflight(cfg: RunConfig, planned: list[PlannedStage]) -> None:
    """Checks that need the plan, run by ``curate validate`` and before any submission: on Slurm, every string
    that reaches the sbatch script must be safe for the shell (:func:`curate.slurm.check_sbatch_safe`)."""
    if cfg.executor.kind == "slurm":
        names_ = [_job_name(cfg, g.name) for ps in planned for g in ps.plan.groups]
        check_sbatch_safe(cfg.executor, Path(cfg.output), names_)


def execute(cfg: RunConfig, planned: list[PlannedStage], echo: Echo = lambda _: None) -> list[StageFunnel]:
    """Run the planned stages on the configured executor; ``echo`` receives each stage's summary and the funnel.

    Before anything runs, the run record is written, and a run whose previous submission is still active (its
    Slurm jobs queued, or its driver alive) is refused, so two drivers never write the same ranks.
    """
    _refuse_if_active(cfg)
    preflight(cfg, planned)
    executors = {}
    try:
        if cfg.executor.kind == "slurm":
            executors = _submit_slurm(cfg, planned, echo)
            if not cfg.executor.slurm.wait:
                echo(f"submitted; follow with `curate status {cfg.output}`, re-run the same command to resume")
                return []
            wait(_record_run(cfg, planned, executors)["groups"], lambda: _progress(cfg, planned), echo)
            for ps in planned:
                _check_stage(cfg, ps, executors)
                _finish_stage(ps, echo, announce=False)
        else:
            _record_run(cfg, planned, {})
            with ray_session(cfg.executor.ray) if cfg.executor.kind == "ray" else nullcontext():
                _run_in_order(cfg, planned, echo)
    finally:
        mark_finished(Path(cfg.output))
    funnels = [_funnel(ps) for ps in planned if ps.plan.counts_documents]
    path = write_funnel(funnels, Path(cfg.output) / "report", names())
    if len(funnels) > 1 or cfg.executor.kind == "slurm":
        echo(render(funnels))
    echo(f"funnel written to {path}")
    return funnels


def _run_in_order(cfg: RunConfig, planned: list[PlannedStage], echo: Echo) -> None:
    """Local and Ray: each step group runs to completion (or fails) before the next one starts."""
    for ps in planned:
        executors = {}
        for g in ps.plan.groups:
            executors[g.name] = build_executor(cfg.executor, g, ps.ctx.logs_dir(g.name), _job_name(cfg, g.name))
            try:
                executors[g.name].run()
            finally:
                _check_group(cfg, g, executors[g.name])
        _finish_stage(ps, echo, announce=True)


def _finish_stage(ps: PlannedStage, echo: Echo, announce: bool) -> None:
    summary = ps.plan.finalize() if ps.plan.finalize else None
    if summary:
        echo(summary)
    if announce and ps.plan.counts_documents:
        echo(render([_funnel(ps)]))


def _funnel(ps: PlannedStage) -> StageFunnel:
    funnel = stage_funnel(ps.name, ps.accounted_logs())
    funnel.extra = ps.plan.funnel_extra() if ps.plan.funnel_extra else {}
    return funnel


def _job_name(cfg: RunConfig, group: str) -> str:
    return f"{cfg.name}.{group}"


def _check_stage(cfg: RunConfig, ps: PlannedStage, executors: dict) -> None:
    for g in ps.plan.groups:
        _check_group(cfg, g, executors[g.name])


def _check_group(cfg: RunConfig, g: StepGroup, executor) -> None:
    """Fail loudly when a task of the step did not complete, naming the failed tasks' logs; a re-run resumes."""
    incomplete = executor.get_incomplete_ranks()
    if not incomplete:
        return
    mark_finished(Path(cfg.output))
    failed = next((s.failed for s in run_status(Path(cfg.output))[1] if s.group == g.name), [])
    detail = "".join(f"\n  rank {f.rank}: {f.error}" + "".join(f"\n    log: {p}" for p in f.logs) for f in failed)
    raise CurateError(
        f"step {g.name}: {len(incomplete)} of {executor.world_size} task(s) did not complete{detail}\n"
        f"`curate status {cfg.output}` shows every step; fix the cause and re-run the same command: only the tasks "
        "that did not complete run again"
    )


def _record_run(cfg: RunConfig, planned: list[PlannedStage], executors: dict) -> dict:
    """Write the run record: the steps, their logging folders and Slurm job ids; returns it."""
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
    record = {"name": cfg.name, "run_id": run_id(cfg), "output": cfg.output, "executor": cfg.executor.kind,
              "started": now, "host": socket.gethostname(), "pid": os.getpid(), "finished": False, "groups": groups}
    write_run_record(Path(cfg.output), record)
    return record


def _refuse_if_active(cfg: RunConfig) -> None:
    """Refuse to start while the previous submission into the same output folder is still active."""
    record = read_run_record(Path(cfg.output))
    if record is None:
        return
    if record.get("pid") != os.getpid() and driver_alive(record):
        raise CurateError(
            f"a run into {cfg.output} is still going (pid {record['pid']} on this host); wait for it or stop it "
            f"(if that process is no curate run, delete {Path(cfg.output) / RUN_RECORD})"
        )
    ids = [g["job_id"] for g in record.get("groups", []) if g.get("job_id")]
    if record.get("executor") == "slurm" and ids and (queued := active_jobs(ids)):
        raise CurateError(
            f"Slurm jobs of the previous submission into {cfg.output} are still queued or running "
            f"({', '.join(queued)}); wait for them (`curate status {cfg.output}`) or scancel them, then re-run"
        )


def _submit_slurm(cfg: RunConfig, planned: list[PlannedStage], echo: Echo) -> dict:
    """Submit every step group as one job array, each depending on the previous one (afterok); returns the
    executors by group. Complete groups are skipped (datatrove's job id -1), the others submit their incomplete
    ranks only: that is the resume."""
    previous, executors = None, {}
    for ps in planned:
        for g in ps.plan.groups:
            previous = build_executor(cfg.executor, g, ps.ctx.logs_dir(g.name), _job_name(cfg, g.name), previous)
            executors[g.name] = previous
    try:
        submit(previous)
    finally:
        _record_run(cfg, planned, executors)
    submitted = {n: e.job_id for n, e in executors.items() if e.job_id not in (None, -1)}
    skipped = [n for n, e in executors.items() if e.job_id == -1]
    parts = [", ".join(f"{n}={j}" for n, j in submitted.items())] if submitted else []
    parts += [f"already complete: {', '.join(skipped)}"] if skipped else []
    echo(f"submitted {len(submitted)} Slurm job array(s) for run {cfg.name}" + (": " if parts else "")
         + "; ".join(parts))
    return executors


def _progress(cfg: RunConfig, planned: list[PlannedStage]) -> str:
    """Completed tasks per step group, from datatrove's completion markers."""
    parts = []
    for ps in planned:
        for g in ps.plan.groups:
            folder = ps.ctx.logs_dir(g.name) / "completions"
            done = sum(1 for _ in folder.iterdir()) if folder.is_dir() else 0
            parts.append(f"{g.name} {done}/{g.task_count(cfg.executor)}")
    return "done: " + ", ".join(parts)
