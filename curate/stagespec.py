"""How a stage declares itself: one :class:`StageSpec`, as ``STAGE`` in its package's ``config.py``.

The declaration is all the framework needs: the run config gets a block named after the stage, ``curate run
--stages`` and ``curate validate`` know it, ``curate <stage> INPUT... -o OUT`` is generated from its config model
(:mod:`curate.cli.options`), and the driver plans it in registry order (:mod:`curate.stages`)::

    STAGE = StageSpec("dedup", DedupConfig, plan="curate.dedup.stage:plan", help="Remove near duplicates.")

This module imports nothing heavy: it is read for ``curate --help``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass(frozen=True)
class Opt:
    """A command-line option of a stage command bound to a key of the stage's block (``trafilatura.timeout_s``).

    Its help and default come from the config field at ``key`` (a key that is no field, completed by the stage's
    ``finish_block``, needs its own ``help``). Top-level scalar and list fields get an option of
    their own name automatically; an ``Opt`` declares the others, or a different spelling (``flags``). ``parse``
    turns the option's text (a list of texts when ``repeat``) into the block value; a list field takes a
    comma-separated text by default. A ``switch`` is a bare flag that sets ``key`` to ``value``.
    """

    key: str
    flags: tuple[str, ...] = ()
    parse: Callable[[Any], Any] | None = None
    repeat: bool = False
    switch: bool = False
    value: Any = None
    help: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return self.flags or ("--" + self.key.rsplit(".", 1)[-1].replace("_", "-"),)


@dataclass(frozen=True)
class StageSpec:
    """A stage's declaration: its name (the YAML block and the command), its config block, its planner
    (``"module:function"``, imported only when the stage is planned), the artifact it reads documents from and those
    it produces, and what its command needs beyond the generated options."""

    name: str
    config: type
    plan: str
    help: str
    consumes: str | None = "documents"
    produces: tuple[str, ...] = ("documents",)
    # registers the stage's generated command and its extra ones ("module:function" taking the typer app and the
    # generated command), e.g. `curate decontam audit`; without it the generated command is `curate <name>`
    commands: str | None = None
    # options of the generated command beyond the config's own top-level scalar fields
    options: tuple[Opt, ...] = ()
    # completes the block built from the command's options ("module:function", block -> block)
    finish_block: str | None = None
    # top-level fields left out of the generated command
    hidden: tuple[str, ...] = ()
    # False for a stage whose command reads no input files (mixture reads named sources)
    takes_inputs: bool = True
    # defaults of the command's input options that differ from the run config's (plurality reads `question`)
    input_defaults: dict = field(default_factory=dict)

    @property
    def package(self) -> str:
        """The stage's package (where its planner lives)."""
        return self.plan.partition(":")[0].rpartition(".")[0]

    def planner(self) -> Callable:
        return _import(self.plan)

    def finish(self, block: dict) -> dict:
        return _import(self.finish_block)(block) if self.finish_block else block

    def register_commands(self, app, command: Callable) -> None:
        _import(self.commands)(app, command)


def _import(ref: str):
    module, _, name = ref.partition(":")
    return getattr(importlib.import_module(module), name)
