"""The stage registry: stage names (as used in YAML and on the command line) and their fixed order.

Each entry points at a module exposing ``plan(cfg, ctx) -> curate.stage.StagePlan``; modules are imported only when
their stage runs, so ``curate --help`` stays instant.
"""

from __future__ import annotations

import importlib

STAGE_ORDER = ("extract", "dedup", "score", "decontam", "rewrite", "mixture")

_PLANNERS = {
    "extract": "curate.extract.stage",
    "dedup": "curate.dedup.stage",
    "score": "curate.score.stage",
    "decontam": "curate.decontam.stage",
    "mixture": "curate.mixture.stage",
    "rewrite": "curate.rewrite.stage",
}


def planner(name: str):
    """The ``plan`` function of a stage."""
    return importlib.import_module(_PLANNERS[name]).plan


def available() -> list[str]:
    """Stage names that are implemented, in pipeline order."""
    return [s for s in STAGE_ORDER if s in _PLANNERS]
