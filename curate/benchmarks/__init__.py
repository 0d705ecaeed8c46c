"""Loaders of benchmark test sets: each turns the files of one benchmark into :class:`BenchmarkItem` objects.

An item is what decontamination compares documents against: the benchmark's name, the item's id in its own file,
the question or prompt as a model sees it at evaluation time (multiple-choice options included), and the reference
answer or solution. Known formats: gsm8k, humaneval, mbpp (the full JSONL and the sanitized JSON), mmlu (a folder of
header-less CSVs), math, math500, arc (the ARC JSONL format); anything else goes through the generic loader
(JSONL, CSV or Parquet with a field mapping). Users point at their own copies of the files.

>>> items = load_benchmark("gsm8k", "data/gsm8k/test.jsonl")
>>> items[0].question[:20], items[0].item_id
"""

from curate.benchmarks.base import BenchmarkItem, FieldMap
from curate.benchmarks.registry import KINDS, load_benchmark, parse_benchmark_arg

__all__ = ["BenchmarkItem", "FieldMap", "KINDS", "load_benchmark", "parse_benchmark_arg"]
