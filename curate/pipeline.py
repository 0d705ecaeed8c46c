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
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
import yaml

from curate.config import RunConfig
from curate.errors import ConfigError, CurateError
from curate.executors import build_executor, ray_session
from curate.report.funnel import StageFunnel, stage_funnel, write_funnel
from curate.report.page import write_run_report
from curate.report.page.settings import write_settings
from curate.runrecord import RUN_RECORD, driver_alive, mark_finished, read_run_record, write_run_record
from curate.slurm import active_jobs, check_sbatch_safe, slurm_logs_folder, submit, wait
from curate.stage import StageContext, StagePlan, StepGroup
from curate.stages import names, specs
from curate.status import run_status
from curate.stagespec import StageSpec

@dataclass
class GroupView:
    """What a reporter needs to follow one step group while it runs (read back from its logging folder)."""

    name: str
    logs_dir: Path
    tasks: int
    accounted: bool
    total: int | None = None  # documents expected in, when known (the kept count of the stage it reads)


class Reporter:
    """What the driver tells whoever runs it. This default says nothing; the command line's console
    (:class:`curate.cli.console.Console`) shows progress bars, summaries and the funnel."""

    def stage(self, name: str, groups: list[GroupView]) -> AbstractContextManager:
        """Wraps the running of ``groups`` (one stage; on Slurm, the whole submission)."""
        return nullcontext()

    def say(self, text: str) -> None:
        """A stage's summary or a note."""

    def funnel(self, funnels: list[StageFunnel]) -> None:
        """The run's funnel, at its end."""

    def result(self, text: str) -> None:
        """The end of the run: where the reports are."""


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
        consumes = spec.consumes if planned else None  # the first stage of a run reads its input
        if consumes is not None and consumes not in artifacts:
            makers = [f"`{s.name}:`" for s in specs() if consumes in s.produces]
            raise ConfigError(f"the {spec.name} stage reads {consumes}, which no stage before it in this run makes; "
                              f"add a {' or '.join(makers) or 'stage that makes them'} block, or run {spec.name} alone")
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
        jobs = [_job_name(cfg, g.name) for ps in planned for g in ps.plan.groups]
        check_sbatch_safe(cfg.executor, Path(cfg.output), jobs)


def execute(cfg: RunConfig, planned: list[PlannedStage], reporter: Reporter | None = None) -> list[StageFunnel]:
    """Run the planned stages on the configured executor, then write the funnel and the run's page.

    Before anything runs, the run record and the run's settings are written, and a run whose previous submission is
    still active (its Slurm jobs queued, or its driver alive) is refused, so two drivers never write the same ranks.
    """
    reporter = reporter or Reporter()
    _refuse_if_active(cfg)
    preflight(cfg, planned)
    write_settings(Path(cfg.output), cfg.model_dump(mode="json"))
    try:
        if cfg.executor.kind == "slurm":
            if not _run_on_slurm(cfg, planned, reporter):
                return []
        else:
            _record_run(cfg, planned, {})
            with ray_session(cfg.executor.ray) if cfg.executor.kind == "ray" else nullcontext():
                _run_in_order(cfg, planned, reporter)
    finally:
        mark_finished(Path(cfg.output))
    funnels = [_funnel(ps) for ps in planned if ps.plan.counts_documents]
    path = write_funnel(funnels, Path(cfg.output) / "report", names())
    page = write_run_report(cfg.output)
    reporter.funnel(funnels)
    reporter.result(f"run report written to {page} (the funnel as JSON: {path})")
    return funnels


def _run_in_order(cfg: RunConfig, planned: list[PlannedStage], reporter: Reporter) -> None:
    """Local and Ray: each step group runs to completion (or fails) before the next one starts."""
    kept: dict[str, int] = {}
    for ps in planned:
        with reporter.stage(ps.name, _views(cfg, ps, kept)):
            for g in ps.plan.groups:
                executor = build_executor(cfg.executor, g, ps.ctx.logs_dir(g.name), _job_name(cfg, g.name))
                try:
                    executor.run()
                finally:
                    _check_group(cfg, g, executor)
        _finish_stage(ps, reporter)
        if ps.plan.counts_documents:
            kept[str(ps.ctx.kept_dir)] = _funnel(ps).kept


def _run_on_slurm(cfg: RunConfig, planned: list[PlannedStage], reporter: Reporter) -> bool:
    """Submit every group at once; unless told not to wait, follow the queue and finish each stage. Returns
    whether the run was waited for."""
    executors = _submit_slurm(cfg, planned, reporter)
    if not cfg.executor.slurm.wait:
        reporter.result(f"submitted; follow with `curate status {cfg.output}`, re-run the same command to resume")
        return False
    groups = _record_run(cfg, planned, executors)["groups"]
    with reporter.stage("slurm", [view for ps in planned for view in _views(cfg, ps, {})]):
        wait([g["job_id"] for g in groups if g.get("job_id")], sum(g["tasks"] for g in groups))
    for ps in planned:
        for g in ps.plan.groups:
            _check_group(cfg, g, executors[g.name])
        _finish_stage(ps, reporter)
    return True


def _views(cfg: RunConfig, ps: PlannedStage, kept: dict[str, int]) -> list[GroupView]:
    """The step groups of a stage as a reporter follows them; the expected input is what the stage that made its
    input artifact kept (``kept``: by kept folder), when that stage ran in this invocation."""
    upstream = ps.ctx.artifact(ps.ctx.consumes) if ps.ctx.consumes else None
    total = kept.get(str(upstream)) if upstream is not None else None
    return [GroupView(g.name, ps.ctx.logs_dir(g.name), g.task_count(cfg.executor), g.accounted,
                      total if g.reads_input else None) for g in ps.plan.groups]


def _finish_stage(ps: PlannedStage, reporter: Reporter) -> None:
    summary = ps.plan.finalize() if ps.plan.finalize else None
    if summary:
        reporter.say(summary)


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
                "accounted": g.accounted,
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


def _submit_slurm(cfg: RunConfig, planned: list[PlannedStage], reporter: Reporter) -> dict:
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
    reporter.say(f"submitted {len(submitted)} Slurm job array(s) for run {cfg.name}" + (": " if parts else "")
                 + "; ".join(parts))
    return executors
