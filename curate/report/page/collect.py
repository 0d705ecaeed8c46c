"""Everything the run page shows, read back from a run's output folder: finished, partial, or still running.

The run record (``logs/curate_run.json``) lists the run's stages and their datatrove step groups; each group's
completion markers say what finished (:func:`curate.status.run_status`). The funnel is summed again from the
per-task stats files of the tasks that completed (so a partial stage shows what its finished tasks did), the samples
come from the stages' ``rejected/`` and ``edits/`` folders, and the stage reports (dedup, contamination, mixture)
from the files the stages wrote. A report a stage did not write yet is simply absent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from curate.report.funnel import stage_funnel, to_json
from curate.report.page.docs import Sample, metadata_values, samples, subfolders
from curate.report.page.settings import read_settings
from curate.stages import names as stage_names
from curate.status import GroupStatus, run_status


@dataclass
class Folder:
    """A drop reason or an edit rule of a stage: its counts and a few of its documents."""

    name: str
    counts: dict[str, int]
    samples: list[Sample]


@dataclass
class StageView:
    name: str
    groups: list[GroupStatus]
    funnel: dict | None = None  # the stage's funnel entry (report/funnel.json's form); None: it counts no documents
    drops: list[Folder] = field(default_factory=list)
    edits: list[Folder] = field(default_factory=list)

    @property
    def state(self) -> str:
        """done, not started (no task completed), or unfinished."""
        if all(g.state == "done" for g in self.groups):
            return "done"
        return "not started" if not any(g.done for g in self.groups) else "unfinished"

    def missing(self) -> list[str]:
        """One line per step group with tasks that did not complete, with what went wrong where known."""
        out = []
        for g in self.groups:
            if g.state == "done":
                continue
            line = f"step {g.group}: {g.done} of {g.tasks} task(s) completed"
            parts = [f"{len(g.failed)} failed" if g.failed else "", f"{g.running} running" if g.running else ""]
            parts = [p for p in parts if p]
            line += f" ({', '.join(parts)})" if parts else ""
            out.append(line + "".join(f"; rank {f.rank}: {f.error}" for f in g.failed[:3]))
        return out


@dataclass
class RunView:
    output: Path
    record: dict
    stages: list[StageView]
    settings: dict | None
    reports: dict[str, dict]  # dedup, contamination, manifest, input_problems: the JSON reports that exist
    scores: dict[str, list[float]] = field(default_factory=dict)
    score_docs: int = 0
    languages: dict[str, dict[str, int]] = field(default_factory=dict)  # language -> {"kept": n, "dropped": n}
    language_docs: int = 0

    @property
    def complete(self) -> bool:
        return all(s.state == "done" for s in self.stages)

    @property
    def running(self) -> bool:
        """Whether tasks of the run are running now (its driver is alive, or Slurm has them)."""
        return any(g.running for s in self.stages for g in s.groups)

    def stage(self, name: str) -> StageView | None:
        return next((s for s in self.stages if s.name == name), None)


_REPORTS = {"dedup": "report/dedup.json", "contamination": "report/contamination_summary.json",
            "manifest": "manifest.json", "input_problems": "report/input_problems.json"}


def collect(output: Path) -> RunView:
    """Read everything the page shows from ``output``; a CurateError when it holds no run record."""
    output = Path(output)
    record, statuses, _ = run_status(output)
    saved = _saved_funnel(output)
    names = sorted({g.stage for g in statuses} | set(saved), key=_stage_order)
    stages = [_stage_view(output, name, [g for g in statuses if g.stage == name], record, saved.get(name))
              for name in names]
    reports = {key: json.loads((output / rel).read_text()) for key, rel in _REPORTS.items()
               if (output / rel).is_file()}
    view = RunView(output, record, stages, read_settings(output), reports)
    _add_scores(view)
    _add_languages(view)
    return view


def _stage_order(name: str) -> int:
    order = stage_names()
    return order.index(name) if name in order else len(order)


def _saved_funnel(output: Path) -> dict[str, dict]:
    path = output / "report" / "funnel.json"
    return {s["stage"]: s for s in json.loads(path.read_text()).get("stages", [])} if path.is_file() else {}


def _stage_view(output: Path, name: str, groups: list[GroupStatus], record: dict, saved: dict | None) -> StageView:
    """A stage's status, funnel and samples. Its funnel is summed again from the stats of its completed tasks;
    a stage of an earlier run into the same folder (absent from the run record) keeps its saved funnel entry."""
    view = StageView(name, groups)
    log_dirs = [Path(g["log_dir"]) for g in record.get("groups", []) if g["stage"] == name and g.get("accounted")]
    if log_dirs:
        funnel = to_json([stage_funnel(name, log_dirs)])["stages"][0]
        counted = funnel["docs_in"] or funnel["kept"] or funnel["dropped"]
        # text edits (counters newer than this reader): from funnel.json when the sum above has none
        funnel["edits"] = funnel.get("edits") or (saved or {}).get("edits") or {}
        view.funnel = funnel if counted or saved is not None else None
    else:
        view.funnel = saved
    if view.funnel is None:
        return view
    rejected = {p.name: p for p in subfolders(output / name / "rejected")}
    for reason, n in sorted(view.funnel["dropped"].items(), key=lambda kv: -kv[1]):
        counts = {"docs": n, "bytes": view.funnel["dropped_bytes"].get(reason, 0)}
        view.drops.append(Folder(reason, counts, samples(rejected[reason]) if reason in rejected else []))
    edit_counts = view.funnel.get("edits") or {}
    rules = {p.name: p for p in subfolders(output / name / "edits")}
    for rule in sorted(set(edit_counts) | set(rules)):
        view.edits.append(Folder(rule, edit_counts.get(rule, {}), samples(rules[rule]) if rule in rules else []))
    return view


def _add_scores(view: RunView) -> None:
    """Classifier scores over the score stage's documents, kept and dropped (every score is written before a
    threshold drops a document). A classifier writes ``<name>_score`` beside ``<name>_int``: that pair names it."""
    stage = view.stage("score")
    if stage is None:
        return
    folders = [view.output / "score", *subfolders(view.output / "score" / "rejected")]
    values, view.score_docs = metadata_values(folders, None)
    view.scores = {key[: -len("_score")]: [float(v) for v in vals] for key, vals in values.items()
                   if key.endswith("_score") and f"{key[: -len('_score')]}_int" in values}


def _add_languages(view: RunView) -> None:
    """Languages of the documents extract kept and of those it dropped (the language ID runs before the filters,
    so dropped documents carry theirs too)."""
    if view.stage("extract") is None:
        return
    counts: dict[str, dict[str, int]] = {}
    kept, n_kept = metadata_values([view.output / "extract"], {"language"})
    rest = subfolders(view.output / "extract" / "rejected")
    dropped, n_dropped = metadata_values(rest, {"language"})
    for outcome, values in (("kept", kept), ("dropped", dropped)):
        for lang in values.get("language", []):
            counts.setdefault(str(lang), {"kept": 0, "dropped": 0})[outcome] += 1
    view.languages = dict(sorted(counts.items(), key=lambda kv: -sum(kv[1].values())))
    view.language_docs = n_kept + n_dropped
