"""curate: turn raw web crawls into a curated, decontaminated, weighted pretraining mixture.

The library is a set of datatrove pipeline steps grouped into stages (extract, dedup, score, decontam,
rewrite, mixture), a typed YAML config that wires them together, and the ``curate`` command line.
"""

__version__ = "0.1.0"
