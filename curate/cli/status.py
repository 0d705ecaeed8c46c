"""``curate status OUT``: per stage and step, tasks done, running, pending and failed (read by :mod:`curate.status`)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer

from curate.status import GroupStatus, run_status
from curate.storage import location


def status(
    output: Annotated[str, typer.Argument(help="the output folder of a `curate run`, or its URL")],
    as_json: Annotated[bool, typer.Option("--json", help="print the status as JSON")] = False,
) -> None:
    """Per stage and step: tasks done, running, pending and failed, with the log file of each failed task."""
    record, statuses, queue_ok = run_status(location(output))
    if as_json:
        groups = [asdict(s) | {"state": s.state} for s in statuses]
        typer.echo(json.dumps({"run": record, "queue_read": queue_ok, "groups": groups}, indent=2))
    else:
        typer.echo(render(record, statuses, queue_ok))


def render(record: dict, statuses: list[GroupStatus], queue_ok: bool) -> str:
    """A table per step group, then one block per failed task with its error and log files."""
    out = [f"run {record.get('run_id')} ({record.get('executor')} executor), output {record.get('output')}"]
    if record.get("executor") == "slurm" and not queue_ok:
        out.append("(squeue could not be run: queued and running tasks are shown as pending)")
    w = max([len("step")] + [len(s.group) for s in statuses])
    header = f"{'stage':<10} {'step':<{w}} {'tasks':>6} {'done':>6} {'running':>8} {'pending':>8} {'failed':>7}  state"
    out += [header, "-" * len(header)]
    for s in statuses:
        job = f"  (job {s.job_id})" if s.job_id else ""
        out.append(f"{s.stage:<10} {s.group:<{w}} {s.tasks:>6} {s.done:>6} {s.running:>8} {s.pending:>8} "
                   f"{len(s.failed):>7}  {s.state}{job}")
    failures = [(s, f) for s in statuses for f in s.failed]
    for s, f in failures:
        out.append(f"\nFAILED {s.group} rank {f.rank}: {f.error}")
        out.extend(f"  log: {p}" for p in f.logs)
    if failures:
        out.append(f"\n{len(failures)} task(s) failed: fix the cause, then re-run the same `curate run` command; "
                   "only the tasks that did not complete run again.")
    elif all(s.state == "done" for s in statuses):
        out.append("\nall tasks done")
    return "\n".join(out)
