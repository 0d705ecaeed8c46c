"""``curate report OUT``: rebuild a run's page (``OUT/report/index.html``) from its output folder.

It works on a finished run, on one killed mid-way and on one still running: it prints which stages finished and what
did not, then writes the page. Heavy imports happen inside the command so that ``curate --help`` stays instant.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer


def summary_lines(view) -> list[str]:
    """What ``curate report`` prints: the run's state, then one line per stage and one per unfinished step."""
    record = view.record
    verdict = "every step completed" if view.complete else "still running" if view.running else "did not finish"
    lines = [f"run {record.get('run_id')} ({record.get('executor')} executor), output {view.output}: {verdict}"]
    for s in view.stages:
        done, tasks = sum(g.done for g in s.groups), sum(g.tasks for g in s.groups)
        counted = f", {s.funnel['docs_in']:,} in, {s.funnel['kept']:,} kept" if s.funnel else ""
        lines.append(f"  {s.name:<10} {s.state:<12} {done}/{tasks} tasks{counted}")
        lines.extend(f"      {line}" for line in s.missing())
    if not view.complete and not view.running:
        lines.append("re-run the same `curate run` command to finish it: only the tasks that did not complete run")
    return lines


def report(
    output: Annotated[str, typer.Argument(help="the output folder of a `curate run` (finished or not), or its URL")],
    config: Annotated[Optional[Path], typer.Option(
        "--config", "-c", help="the run's YAML config, to record its resolved settings on the page (a run records "
                               "them itself when it starts)")] = None,
) -> None:
    """Rebuild OUT/report/index.html, the run's page: funnel, drop samples, scores, languages, clusters,
    contamination, mixture and settings; for a partial run, what finished and what did not."""
    from curate.config import load_config
    from curate.report.page.collect import collect
    from curate.report.page.render import write_page
    from curate.report.page.settings import write_settings
    from curate.storage import is_url, location

    if config is not None:
        # the run's own output folder, as `curate run CONFIG -o OUT` resolves it
        cfg = load_config(config, {"output": output if is_url(output) else str(Path(output).resolve())})
        write_settings(location(output), cfg.model_dump(mode="json"))
    view = collect(location(output))
    typer.echo("\n".join(summary_lines(view)))
    typer.echo(f"run report written to {write_page(view)}")
