"""Benchmark decontamination: Phi-4's hybrid 13-gram / 7-gram method over a saved, memory-mapped n-gram index.

Public API for other stages (see docs/decontam.md): :func:`build_index` builds and saves an index from benchmark
items, :class:`Decontaminator` checks texts against it; the datatrove step is
:class:`curate.decontam.steps.DecontamFilter`.
"""

from curate.decontam.detect import CheckResult, Decontaminator, Hit, Thresholds
from curate.decontam.index import BenchmarkIndex, build_index
from curate.decontam.units import IndexSettings

__all__ = ["BenchmarkIndex", "CheckResult", "Decontaminator", "Hit", "IndexSettings", "Thresholds", "build_index"]
