"""What a stage is: a function that turns its config block into datatrove pipelines.

A stage module exposes ``plan(cfg, ctx) -> StagePlan``. The plan holds one or more :class:`StepGroup` (a list of
datatrove steps run by N tasks: one datatrove executor each; dedup has four, run in order) and an optional
``finalize`` callable the driver runs once all groups are done (e.g. writing a manifest). The driver
(:mod:`curate.pipeline`) builds the executors; a stage never runs anything itself.

Folder conventions, all under the run's output folder (``ctx.output``):

- ``<stage>/<rank>.jsonl.gz``: the documents the stage kept (``ctx.kept_dir(stage)``);
- ``<stage>/rejected/<reason>/<rank>.jsonl.gz``: what it dropped (``ctx.rejects(stage)``);
- ``<stage>/edits/<rule>/<rank>.jsonl.gz``: what it removed from the text of documents it kept (``ctx.edits(stage)``);
- ``logs/<group>/``: datatrove's logging folder of each step group (stats, completions, per-rank logs);
- ``report/``: the funnel and any stage reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from curate.accounting import KEPT_GLOB, Edits, Rejects

if TYPE_CHECKING:
    from datatrove.pipeline.base import PipelineStep

    from curate.config import ExecutorConfig, InputConfig


@dataclass
class StepGroup:
    """A datatrove pipeline run as one executor: ``tasks`` shards (None: the executor's default)."""

    name: str
    pipeline: list[PipelineStep]
    tasks: int | None = None
    workers: int | None = None
    cpus_per_task: int | None = None

    def task_count(self, executor: ExecutorConfig) -> int:
        """The number of tasks this group runs with: its own, else the executor's."""
        return self.tasks or executor.tasks


@dataclass
class StagePlan:
    groups: list[StepGroup]
    finalize: Callable[[], None] | None = None
    # False for a stage that neither keeps nor drops documents (mixture): it has no line in the funnel
    counts_documents: bool = True
    # after the run, a summary the stage adds to its entry in report/funnel.json (e.g. dedup's duplicates)
    funnel_extra: Callable[[], dict] | None = None


@dataclass
class StageContext:
    """Everything a stage needs to know about the run it is part of."""

    output: Path
    run_id: str
    executor: ExecutorConfig
    input: InputConfig | None = None
    upstream: Path | None = None  # the previous stage's kept folder; None for the first stage

    def kept_dir(self, stage: str) -> Path:
        return self.output / stage

    def rejected_dir(self, stage: str) -> Path:
        return self.output / stage / "rejected"

    def rejects(self, stage: str) -> Rejects:
        return Rejects(str(self.rejected_dir(stage)))

    def edits(self, stage: str) -> Edits:
        return Edits(str(self.output / stage / "edits"), stage=stage)

    def logs_dir(self, group: str) -> Path:
        return self.output / "logs" / group

    def report_dir(self) -> Path:
        return self.output / "report"

    def reader(self, rejects: Rejects, **kwargs) -> PipelineStep:
        """A reader of this stage's input documents: the previous stage's kept folder, or the run's input.

        For a stage that is not first, the input is the previous stage's ``<rank>.jsonl.gz`` files (never its
        ``rejected/`` subfolder). For a first stage, the run's ``input`` block decides (see :mod:`curate.io`).
        ``rejects`` (the stage's shared :class:`Rejects`) receives unreadable records and corrupt files.
        """
        if self.upstream is not None:
            from datatrove.pipeline.readers import JsonlReader

            return JsonlReader(str(self.upstream), glob_pattern=KEPT_GLOB, recursive=False, **kwargs)
        from curate.errors import ConfigError
        from curate.io.readers import build_reader

        if self.input is None:
            raise ConfigError("this stage is first in the run, so the config needs an `input:` block (paths: [...])")
        problems = str(Path(rejects.folder).parent / "input_problems")
        return build_reader(self.input, rejects=rejects, problems_dir=problems, **kwargs)
