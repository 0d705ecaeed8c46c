"""What a run shows on the terminal: one progress line per stage, then its summary, then the funnel.

On a terminal each stage gets a live bar (rich): documents and bytes done of the known total, documents per second,
elapsed time and ETA; on Slurm and Ray, tasks done, running and failed. When stdout is not a terminal (CI, ``nohup``,
Slurm logs) the same figures are printed as plain lines instead, first after ``interval_s`` seconds, then at
doubling intervals up to ten minutes, so a long run's log stays short. datatrove's own logs
(per-task banners and stats) go to ``<out>/logs/console.log`` and to each task's log file; ``--verbose`` shows them
live instead, ``--quiet`` prints only errors and the final summary.

The figures are read back from the run's folder while it runs: the counters each accounted step group writes
(``logs/<group>/progress/<rank>.json``, see :class:`curate.accounting.CountIn`) and datatrove's completion markers.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from rich import box
from rich.console import Console as RichConsole
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Column, Table

from curate.pipeline import GroupView
from curate.storage import cache_root, describe_error, is_storage_error, is_url, location
from curate.report.funnel import StageFunnel, human_bytes

MAX_INTERVAL_S = 600.0  # the longest wait between two plain progress lines


@dataclass
class Counts:
    """How far one step group is: documents and bytes in (accounted groups), and its tasks."""

    docs: int = 0
    bytes: int = 0
    done: int = 0
    running: int = 0
    failed: int = 0


def read_progress(group: GroupView, since: float) -> Counts:
    """Read back a step group's progress: the counters of its tasks, its completion markers, and its task logs
    written since ``since`` (a task with a log and no marker is running, or failed when its log says so)."""
    counts = Counts()
    for path in (group.logs_dir / "progress").glob("*.json"):
        try:
            figures = json.loads(path.read_text())
        except (OSError, ValueError):  # being replaced right now: the next poll reads it
            continue
        counts.docs, counts.bytes = counts.docs + figures["docs"], counts.bytes + figures["bytes"]
    completions = group.logs_dir / "completions"
    done = {p.name for p in completions.iterdir()} if completions.is_dir() else set()
    counts.done = len(done)
    for log in (group.logs_dir / "logs").glob("task_*.log"):
        if log.stem.removeprefix("task_") in done or log.stat().st_mtime < since:
            continue
        failed = "| ERROR |" in log.read_text(errors="replace")
        counts.failed, counts.running = counts.failed + failed, counts.running + (not failed)
    return counts


class Console:
    """The driver's reporter for the command line (see :class:`curate.pipeline.Reporter`)."""

    def __init__(self, verbose: bool = False, quiet: bool = False, interval_s: float = 120.0, poll_s: float = 0.5):
        self.verbose, self.quiet = verbose, quiet
        self.out = RichConsole(highlight=False, soft_wrap=True)
        self.interval_s, self.poll_s = interval_s, poll_s

    def say(self, text: str) -> None:
        """A stage's summary or a note: not shown with ``--quiet``."""
        if not self.quiet:
            self.out.print(text, markup=False)

    def result(self, text: str) -> None:
        """The final summary: always shown."""
        self.out.print(text, markup=False)

    def funnel(self, funnels: list[StageFunnel]) -> None:
        """The funnel as a table: per stage, in, the main drop reasons, kept (always shown)."""
        self.out.print(funnel_table(funnels))

    @contextmanager
    def stage(self, name: str, groups: list[GroupView]) -> Iterator[None]:
        """Show the progress of ``groups`` while the body runs them."""
        if self.quiet:
            yield
            return
        watcher = _LiveBar(self.out, name, groups) if self.out.is_terminal else _Lines(self, name, groups)
        stop = threading.Event()
        thread = threading.Thread(target=watcher.poll, args=(stop, self.poll_s), daemon=True)
        with watcher:
            thread.start()
            try:
                yield
            finally:
                stop.set()
                thread.join()

    @contextmanager
    def capture(self, output: str) -> Iterator[None]:
        """Send what datatrove writes to stderr (every task's banners and stats) to ``<out>/logs/console.log``,
        unless ``--verbose``; subprocesses inherit the redirection. Python-level errors still reach the terminal:
        the command line reports them after this block. For a remote output the log is kept in the local cache
        while the run goes on and uploaded at its end."""
        if self.verbose:
            yield
            return
        if is_url(output):
            local = cache_root() / "console" / f"{os.getpid()}.log"
            try:
                with stderr_to(local):
                    yield
            finally:
                self._upload_log(local, location(output) / "logs" / "console.log")
            return
        with stderr_to(Path(output) / "logs" / "console.log"):
            yield

    @staticmethod
    def _upload_log(local: Path, target: Path) -> None:
        """Upload the console log; when the storage fails, keep it locally and say where (never hiding the error
        that ended the run)."""
        try:
            target.write_bytes(local.read_bytes())
        except Exception as err:  # the storage client's own types; the run's outcome is reported either way
            if not is_storage_error(err):
                raise
            print(f"warning: console log not uploaded to {target} ({describe_error(err)}); kept at {local}",
                  file=sys.stderr)
            return
        local.unlink()


@contextmanager
def stderr_to(path: Path) -> Iterator[None]:
    """File descriptor 2 appends to ``path`` for the duration: what this process and the subprocesses it starts
    meanwhile write to stderr (datatrove's logs among them) goes to the file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stderr.flush()
    saved = os.dup(2)
    with open(path, "ab") as log:
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def _figures(groups: list[GroupView], since: float) -> tuple[str, int, int | None]:
    """The status text of a stage that started at ``since`` (wall clock), its documents done and their expected
    total (None when unknown); a stage that counts no documents (mixture) progresses by tasks."""
    per_group = [(g, read_progress(g, since)) for g in groups]
    docs = sum(c.docs for g, c in per_group if g.accounted)
    size = sum(c.bytes for g, c in per_group if g.accounted)
    done, tasks = sum(c.done for _, c in per_group), sum(g.tasks for g in groups)
    running, failed = sum(c.running for _, c in per_group), sum(c.failed for _, c in per_group)
    text = f"tasks {done}/{tasks}" + (f", {running} running" if running else "") + (
        f", {failed} FAILED" if failed else "")
    if not any(g.accounted for g in groups):
        return text, done, tasks
    elapsed = time.time() - since
    rate = docs / elapsed if elapsed > 0 else 0.0
    total = next((g.total for g in groups if g.total is not None), None)
    return f"{docs:,} docs ({human_bytes(size)}), {rate:,.1f} docs/s, {text}", docs, total


class _LiveBar:
    """A rich progress bar for one stage, refreshed from the run's folder."""

    def __init__(self, out: RichConsole, name: str, groups: list[GroupView]):
        self.name, self.groups = name, groups
        self.progress = Progress(TextColumn("{task.description:<10}"), BarColumn(), TaskProgressColumn(),
                                 TextColumn("{task.fields[figures]}"), TimeElapsedColumn(), TimeRemainingColumn(),
                                 console=out, transient=False, redirect_stdout=False, redirect_stderr=False)
        self.task = self.progress.add_task(name, total=None, figures="starting")
        self.start = time.time()

    def __enter__(self):
        self.progress.start()
        return self

    def __exit__(self, *exc):
        self.update()
        total = self.progress.tasks[0].total
        if total is None or exc[0] is None:  # a finished stage ends full; an unknown total ends as counted
            self.progress.update(self.task, total=self.progress.tasks[0].completed or 1,
                                 completed=self.progress.tasks[0].completed or 1)
        self.progress.stop()

    def update(self) -> None:
        text, docs, total = _figures(self.groups, self.start)
        self.progress.update(self.task, completed=docs, total=total, figures=text)

    def poll(self, stop: threading.Event, every_s: float) -> None:
        while not stop.wait(every_s):
            self.update()


class _Lines:
    """The same figures as plain lines, at growing intervals and once at the end (no terminal)."""

    def __init__(self, console: Console, name: str, groups: list[GroupView]):
        self.console, self.name, self.groups = console, name, groups
        self.start = time.time()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        elapsed = time.time() - self.start
        text, _, _ = _figures(self.groups, self.start)
        state = "done" if exc[0] is None else "stopped"
        self.console.say(f"{self.name}: {state} in {elapsed:.0f}s: {text}")

    def poll(self, stop: threading.Event, every_s: float) -> None:
        last, wait_s = None, self.console.interval_s
        while not stop.wait(wait_s):
            wait_s = min(2 * wait_s, MAX_INTERVAL_S)  # a long run's log stays short: waits of 2, 4, 8, 10, 10... min
            elapsed = time.time() - self.start
            text, docs, total = _figures(self.groups, self.start)
            if (docs, text.partition("tasks")[2]) != last:  # only when documents or tasks changed
                last = (docs, text.partition("tasks")[2])
                self.console.say(f"{self.name}: {elapsed:.0f}s, {text}" + (f" of {total:,}" if total else ""))


def funnel_table(funnels: list[StageFunnel], max_reasons: int = 4) -> Table:
    """Per stage: documents and bytes in, the ``max_reasons`` largest drop reasons (the rest on one line; all of them
    are in report/funnel.json and the run's page), text edits, kept."""
    table = Table("stage / reason", Column("docs", justify="right"), Column("bytes", justify="right"),
                  Column("share", justify="right"), box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for f in funnels:
        def share(n: int, total: int = f.docs_in) -> str:
            return f"{100 * n / total:.1f}%" if total else ""

        table.add_row(f"[bold]{f.stage}[/bold] in", f"{f.docs_in:,}", human_bytes(f.bytes_in), "")
        reasons = sorted(f.dropped.items(), key=lambda kv: -kv[1])
        for reason, n in reasons[:max_reasons + (len(reasons) == max_reasons + 1)]:
            table.add_row(f"  dropped: {reason}", f"{n:,}", human_bytes(f.dropped_bytes.get(reason, 0)), share(n))
        if len(rest := reasons[max_reasons:]) > 1:  # a single remaining reason takes its own line
            n = sum(k for _, k in rest)
            size = sum(f.dropped_bytes.get(r, 0) for r, _ in rest)
            table.add_row(f"  dropped: {len(rest)} other reasons", f"{n:,}", human_bytes(size), share(n))
        table.add_row("  kept", f"{f.kept:,}", human_bytes(f.kept_bytes), share(f.kept))
        if f.edits:
            table.add_row(f"  text edited: {_edit_rules(f.edits)}", "", "", "")
        if f.unaccounted:
            table.add_row("  [red]unaccounted for (incomplete tasks?)[/red]", f"{f.unaccounted:,}", "", "")
    return table


def _edit_rules(edits: dict[str, dict[str, int]], shown: int = 3) -> str:
    """The text edits of a stage on one line: the rules that removed the most characters, with documents and lines
    (every rule, with the removed lines, is in report/funnel.json, <stage>/edits/ and the run's page)."""
    rules = sorted(edits.items(), key=lambda kv: -kv[1]["chars"])
    text = ", ".join(f"{rule} ({n['docs']:,} docs, {n['lines']:,} lines)" for rule, n in rules[:shown])
    return text + (f" and {len(rules) - shown} more rules" if len(rules) > shown else "")
