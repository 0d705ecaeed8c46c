"""The stage registry: stage names (as used in YAML and on the command line) and their fixed order.

Each entry points at a module exposing ``plan(cfg, ctx) -> curate.stage.StagePlan``; modules are imported only when
their stage runs, so ``curate --help`` stays instant.

Most stages read what the previous configured stage kept. A *branch* stage makes a new source for the mixture
instead of passing the corpus on: the stage after it reads what the branch read, and a stage named in ``FEEDS``
reads its feeder's output when the feeder runs (plurality votes on the questions the seeds stage kept).
"""

from __future__ import annotations

import importlib

STAGE_ORDER = ("extract", "dedup", "score", "decontam", "seeds", "plurality", "rewrite", "mixture")
BRANCH_STAGES = ("seeds", "plurality")
FEEDS = {"plurality": "seeds"}

_PLANNERS = {
    "extract": "curate.extract.stage",
    "dedup": "curate.dedup.stage",
    "score": "curate.score.stage",
    "decontam": "curate.decontam.stage",
    "mixture": "curate.mixture.stage",
    "rewrite": "curate.rewrite.stage",
    "seeds": "curate.seeds.stage",
    "plurality": "curate.plurality.stage",
}


def planner(name: str):
    """The ``plan`` function of a stage."""
    return importlib.import_module(_PLANNERS[name]).plan


def available() -> list[str]:
    """Stage names that are implemented, in pipeline order."""
    return [s for s in STAGE_ORDER if s in _PLANNERS]
