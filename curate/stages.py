"""The stage registry: every stage package, in pipeline order. Adding a stage is one line here.

Each package declares its stage as ``STAGE`` in its ``config.py`` (:class:`curate.stagespec.StageSpec`). The run
config's blocks, ``--stages``, the stage commands and ``curate validate`` are all derived from this list.
"""

from __future__ import annotations

import importlib
from functools import lru_cache

from curate.stagespec import StageSpec

STAGE_PACKAGES = (
    "curate.extract",
    "curate.dedup",
    "curate.score",
    "curate.decontam",
    "curate.rewrite",
    "curate.seeds",
    "curate.plurality",
    "curate.mixture",
)


@lru_cache(maxsize=None)
def load_specs(packages: tuple[str, ...]) -> tuple[StageSpec, ...]:
    """The ``STAGE`` declared in ``<package>.config`` of each package, in the given order."""
    return tuple(importlib.import_module(f"{package}.config").STAGE for package in packages)


def specs() -> tuple[StageSpec, ...]:
    """Every registered stage, in pipeline order."""
    return load_specs(STAGE_PACKAGES)


def spec(name: str) -> StageSpec:
    return next(s for s in specs() if s.name == name)


def names() -> list[str]:
    return [s.name for s in specs()]
