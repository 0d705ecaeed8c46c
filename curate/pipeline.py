"""The driver: turns a validated :class:`~curate.config.RunConfig` into datatrove executors and runs them.

Stages run in the fixed order of :data:`curate.stages.STAGE_ORDER`; each configured stage reads what the previous
configured stage kept. Locally each step group runs to completion before the next starts; on Slurm all groups are
submitted at once, chained with ``--dependency`` (``kill-on-invalid-dep`` so a failure cancels its dependents), and
the driver waits for the queue to drain before it writes the funnel. Re-running the same command resumes: datatrove
skips every task whose completion marker exists.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from curate.config import RunConfig
from curate.errors import ConfigError, CurateError
from curate.executors import build_executor
from curate.report.funnel import StageFunnel, render, stage_funnel, write_funnel
from curate.stage import StageContext, StagePlan
from curate.stages import STAGE_ORDER, available, planner


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
    """Plan every configured stage (or the ``only`` subset), wiring each to its upstream's kept folder."""
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
        ctx = StageContext(output=output, run_id=rid, executor=cfg.executor, input=cfg.input, upstream=upstream)
        if only is None or name in only:
            planned.append(PlannedStage(name, planner(name)(blocks[name], ctx), ctx))
        upstream = ctx.kept_dir(name)
    return planned


def describe(cfg: RunConfig, planned: list[PlannedStage]) -> str:
    """The resolved config and the datatrove steps of each stage (what ``--dry-run`` prints)."""
    out = ["# resolved config", yaml.safe_dump(cfg.model_dump(mode="json"), sort_keys=False).rstrip(), "", "# plan"]
    for ps in planned:
        for g in ps.plan.groups:
            tasks = g.tasks or cfg.executor.tasks
            out.append(f"{g.name}: {cfg.executor.kind} executor, {tasks} task(s), logs in {ps.ctx.logs_dir(g.name)}")
            out.extend(f"    {i}. {step}" for i, step in enumerate(g.pipeline, 1))
        if ps.plan.finalize:
            out.append(f"{ps.name}: then {getattr(ps.plan.finalize, '__name__', 'finalize')} on this machine")
    return "\n".join(out)


def execute(cfg: RunConfig, planned: list[PlannedStage], echo=print) -> list[StageFunnel]:
    """Run the planned stages on the configured executor; returns (and writes) the funnel."""
    if cfg.executor.kind == "slurm":
        _submit_slurm(cfg, planned, echo)
        if not cfg.executor.slurm.wait:
            echo("submitted; follow with `curate status OUTPUT`, re-run the same command to resume")
            return []
        _wait_slurm(cfg, planned, echo)
        for ps in planned:
            _check_complete(ps)
            if ps.plan.finalize:
                ps.plan.finalize()
    else:
        for ps in planned:
            for g in ps.plan.groups:
                build_executor(cfg.executor, g, ps.ctx.logs_dir(g.name), _job_name(cfg, g.name)).run()
            _check_complete(ps)
            if ps.plan.finalize:
                ps.plan.finalize()
            echo(render([stage_funnel(ps.name, ps.log_dirs())]))
    funnels = [stage_funnel(ps.name, ps.log_dirs()) for ps in planned]
    path = write_funnel(funnels, Path(cfg.output) / "report")
    if len(funnels) > 1:
        echo(render(funnels))
    echo(f"funnel written to {path}")
    return funnels


def _job_name(cfg: RunConfig, group: str) -> str:
    return f"{cfg.name}.{group}"


def _check_complete(ps: PlannedStage) -> None:
    """Fail loudly when a task of the stage did not complete (its log says why); a re-run resumes."""
    for g in ps.plan.groups:
        log_dir = ps.ctx.logs_dir(g.name)
        tasks = g.tasks or ps.ctx.executor.tasks
        done = len(list((log_dir / "completions").glob("*"))) if (log_dir / "completions").is_dir() else 0
        if done < tasks:
            raise CurateError(
                f"step {g.name}: {tasks - done} of {tasks} task(s) did not complete; see {log_dir}/logs/ "
                "and re-run the same command to resume the missing tasks"
            )


def _submit_slurm(cfg: RunConfig, planned: list[PlannedStage], echo) -> None:
    previous = None
    for ps in planned:
        for g in ps.plan.groups:
            previous = build_executor(cfg.executor, g, ps.ctx.logs_dir(g.name), _job_name(cfg, g.name), previous)
    previous.run()  # launches its dependencies first
    echo(f"submitted {sum(len(ps.plan.groups) for ps in planned)} Slurm job(s) for run {cfg.name}")


def _wait_slurm(cfg: RunConfig, planned: list[PlannedStage], echo, poll_s: float = 2.0) -> None:
    names = ",".join(_job_name(cfg, g.name) for ps in planned for g in ps.plan.groups)
    while True:
        res = subprocess.run(["squeue", "-h", "--name", names, "-o", "%i"], capture_output=True, text=True)
        if res.returncode != 0:
            raise CurateError(f"squeue failed while waiting for the jobs: {res.stderr.strip()}")
        if not res.stdout.strip():
            return
        time.sleep(poll_s)
