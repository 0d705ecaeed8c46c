"""What a stage is, and what the framework does for every stage.

A stage declares itself once (:class:`curate.stagespec.StageSpec`); its ``plan(cfg, ctx)`` turns the config block
into a :class:`StagePlan`: datatrove step groups (each run as one executor over N tasks) and an optional
``finalize`` run on the driver afterwards. Planning is also the pre-flight
check: it runs in ``curate validate`` and before anything launches, so a plan checks the files and models it needs.

Stages exchange **named artifacts**, never each other's folders: a stage consumes one artifact (``documents`` by
default) and produces some (``documents``, ``rewrites``, ``decontam_index``...). The driver resolves them for the
current run in pipeline order (:attr:`StageContext.artifacts`); the first stage of a run reads the run's ``input:``
block.

**Accounting is the framework's**: :meth:`StageContext.accounted` builds the one step group of a stage that counts
documents: reader → count in → the stage's own steps → keep writer, and gives every dropping step the stage's shared
:class:`~curate.accounting.Rejects`, and every step that edits the text of documents it keeps the stage's shared
:class:`~curate.accounting.Edits`; the keep writer closes both. The funnel reads that group's stats only.

Folders under the run's output: ``<stage>/`` (kept), ``<stage>/rejected/<reason>/``, ``<stage>/edits/<rule>/``
(what was removed from the text of kept documents), ``<stage>/_work/`` (the stage's own intermediate files),
``logs/<group>/`` (datatrove's logging folder per step group) and ``report/``. The output may be a URL
(:mod:`curate.storage`): every folder above is then a ``UPath`` on it, and steps that need a local disk use
:attr:`StageContext.local_dir`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from curate.accounting import KEPT_GLOB, CountIn, Edits, KeepWriter, Rejects
from curate.errors import ConfigError
from curate.storage import cache_root, is_url

if TYPE_CHECKING:
    from datatrove.pipeline.base import PipelineStep

    from curate.config import ExecutorConfig, InputConfig


@dataclass
class StepGroup:
    """A datatrove pipeline run as one executor: ``tasks`` shards (None: the executor's default).

    ``accounted`` marks the group whose stats make the stage's funnel line (built by :meth:`StageContext.accounted`).
    """

    name: str
    pipeline: list[PipelineStep]
    tasks: int | None = None
    workers: int | None = None
    cpus_per_task: int | None = None
    accounted: bool = False
    # an accounted group that reads the stage's input documents (not, like rewrite's, what an earlier group made)
    reads_input: bool = False

    def task_count(self, executor: ExecutorConfig) -> int:
        """The number of tasks this group runs with: its own, else the executor's."""
        return self.tasks or executor.tasks


@dataclass
class StagePlan:
    groups: list[StepGroup]
    # run on the driver once every group is done; may return a short summary for the console
    finalize: Callable[[], str | None] | None = None
    # the artifacts this stage produces, by name (default: its kept folder as each artifact of its spec)
    artifacts: dict[str, Path] = field(default_factory=dict)
    # after the run, a summary the stage adds to its entry in report/funnel.json (e.g. dedup's duplicates)
    funnel_extra: Callable[[], dict] | None = None

    @property
    def counts_documents(self) -> bool:
        return any(g.accounted for g in self.groups)


@dataclass
class StageContext:
    """Everything a stage needs to know about the run it is part of."""

    stage: str
    output: Path
    run_id: str
    executor: ExecutorConfig
    input: InputConfig | None = None
    # the artifacts produced by the stages before this one in the run, by name
    artifacts: dict[str, Path] = field(default_factory=dict)
    # the artifact this stage reads its documents from (None: the run's input)
    consumes: str | None = None
    # the run's `work_dir` (local scratch); None: see local_dir
    scratch: Path | None = None

    @property
    def remote(self) -> bool:
        """Whether the run writes to object storage."""
        return is_url(self.output)

    @property
    def kept_dir(self) -> Path:
        return self.output / self.stage

    @property
    def work_dir(self) -> Path:
        """This stage's own intermediate files (never read by another stage), beside its output: every task sees
        them, on any executor."""
        return self.output / self.stage / "_work"

    @property
    def local_dir(self) -> Path:
        """Local disk for steps that need one (memory-mapped arrays, sqlite caches, a server's log): the stage's
        ``_work`` folder when the output is local; for a remote output ``<work_dir>/<stage>``, by default in the node's
        temporary folder (:func:`curate.storage.cache_root`). What must outlive a task goes to :attr:`work_dir`."""
        if self.scratch is not None:
            return Path(self.scratch) / self.stage
        return self.work_dir if not self.remote else cache_root() / "work" / self.run_id / self.stage

    @property
    def report_dir(self) -> Path:
        return self.output / "report"

    def logs_dir(self, group: str) -> Path:
        return self.output / "logs" / group

    def server_logs(self, group: str) -> Path:
        """The embedded llama.cpp server's logs of step group ``group``: beside its datatrove logs, or on local disk
        (:attr:`local_dir`) for a remote output, since the server writes them as a plain file."""
        return self.local_dir / "server_logs" if self.remote else self.logs_dir(group) / "server"

    @property
    def checkpoints_dir(self) -> Path:
        """datatrove's inference checkpoints and request cache (sqlite: a local disk). For a remote output they live
        in :attr:`local_dir`, so only a task re-run on the same node resumes from them."""
        return self.local_dir / "checkpoints"

    def artifact(self, name: str) -> Path | None:
        """The folder of an artifact produced earlier in this run, or None when no stage of the run produces it."""
        return self.artifacts.get(name)

    def reader(self, counted: bool = True, **kwargs) -> PipelineStep:
        """A reader of this stage's input documents: the artifact it consumes, else the run's ``input`` block.

        In the accounted group (``counted``), unreadable records and corrupt files are rejected with their reason and
        every input problem is logged; in another group (one that reads the same input again, like dedup's signature
        pass) they are skipped there and counted in the accounted group. ``kwargs`` go to the run input's reader
        (e.g. ``max_bytes``).
        """
        upstream = self.artifact(self.consumes) if self.consumes else None
        if upstream is not None:
            from datatrove.pipeline.readers import JsonlReader

            return JsonlReader(str(upstream), glob_pattern=KEPT_GLOB, recursive=False)
        from curate.io.readers import build_reader

        if self.input is None:
            raise ConfigError(f"the {self.stage} stage is first in the run, so the config needs an `input:` block "
                              "(paths: [...])")
        problems = str(self.kept_dir / "input_problems") if counted else None
        return build_reader(self.input, problems_dir=problems, **kwargs)

    def accounted(self, steps: list[PipelineStep], reader: PipelineStep | None = None, name: str | None = None,
                  reads_input: bool = True, **group) -> StepGroup:
        """The stage's accounted step group: ``reader`` (default :meth:`reader`) → count in → ``steps`` → keep.

        ``reads_input=False`` says that ``reader`` reads what an earlier group of the stage made, not the stage's
        input documents. Every step that drops documents (a :class:`~curate.accounting.DropFilter`, the input reader:
        any step with a ``rejects`` attribute) gets the stage's :class:`~curate.accounting.Rejects`, and every step
        with an ``edits`` attribute (a ``DropFilter``: any step that may change the text of a document it keeps) the
        stage's :class:`~curate.accounting.Edits`; the keep writer stamps provenance and closes both at the end of
        the task.
        """
        rejects = Rejects(str(self.kept_dir / "rejected"))
        edits = Edits(str(self.kept_dir / "edits"), stage=self.stage)
        reader = reader or self.reader()
        for step in (reader, *steps):
            if hasattr(step, "rejects"):  # a DropFilter, the input reader, any step that drops documents
                step.rejects = rejects
            if hasattr(step, "edits"):  # a DropFilter, any step that edits the text of documents it keeps
                step.edits = edits
        keep = KeepWriter(str(self.kept_dir), rejects, stage=self.stage, run_id=self.run_id, edits=edits)
        name = name or self.stage
        count = CountIn(progress_dir=str(self.logs_dir(name) / "progress"))
        return StepGroup(name, [reader, count, *steps, keep], accounted=True, reads_input=reads_input, **group)
