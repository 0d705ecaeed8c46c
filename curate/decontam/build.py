"""Build (or reuse) the index a decontam config asks for: load the benchmarks, derive the allow-list, save.

The index folder records a fingerprint of everything it was built from (benchmark specs, file sizes and
modification times, settings); a later run with the same fingerprint reuses it, anything else rebuilds it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from curate.benchmarks import BenchmarkItem, FieldMap, load_benchmark
from curate.decontam.allowlist import AllowListSettings, read_reference_corpus
from curate.decontam.config import BenchmarkSpec, DecontamConfig
from curate.decontam.index import INDEX_VERSION, build_index, has_meta, read_meta, write_meta
from curate.decontam.ngrams import NORM_VERSION
from curate.decontam.units import IndexSettings
from curate.errors import CurateError


def load_items(specs: list[BenchmarkSpec]) -> list[BenchmarkItem]:
    """Every item of every benchmark in ``specs``, in order."""
    items: list[BenchmarkItem] = []
    for spec in specs:
        fields = FieldMap(spec.question_field, spec.answer_field, spec.id_field, spec.choices_field,
                          spec.solution_field)
        items.extend(load_benchmark(spec.name, spec.path, spec.kind, fields))
    return items


def _file_stamps(path: str) -> list:
    p = Path(path)
    files = [p] if p.is_file() else sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else []
    return [[str(f), st.st_size, int(st.st_mtime)] for f in files for st in [f.stat()]]


def fingerprint(cfg: DecontamConfig) -> str:
    """A digest of what the index depends on (not of the thresholds: those apply at scan time)."""
    payload = {
        "norm": [NORM_VERSION, INDEX_VERSION],
        "benchmarks": [[s.model_dump(), _file_stamps(s.path)] for s in cfg.benchmarks],
        "allowlist": [cfg.allowlist_corpus, cfg.allowlist_min_items, cfg.allowlist_min_docs,
                      _file_stamps(cfg.allowlist_corpus) if cfg.allowlist_corpus else None],
        "words": [cfg.min_question_words, cfg.min_answer_words],
        "fuzzy": [cfg.fuzzy, cfg.fuzzy_containment],
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def ensure_index(cfg: DecontamConfig, folder: str | Path, log=None) -> Path:
    """The index in ``folder``: reused if its fingerprint matches ``cfg``, built otherwise."""
    folder = Path(folder)
    if has_meta(folder) and not cfg.benchmarks:
        return folder  # a prebuilt index named without benchmarks: use as is
    if not cfg.benchmarks:
        raise CurateError(f"index {folder} does not exist and no `benchmarks:` are configured to build it")
    digest = fingerprint(cfg)
    if has_meta(folder) and read_meta(folder).get("fingerprint") == digest:
        return folder
    items = load_items(cfg.benchmarks)
    reference = read_reference_corpus(cfg.allowlist_corpus) if cfg.allowlist_corpus else None
    build_index(items, folder, IndexSettings(cfg.min_question_words, cfg.min_answer_words),
                AllowListSettings(cfg.allowlist_min_items, cfg.allowlist_min_docs), reference)
    if cfg.fuzzy:
        from curate.decontam.fuzzy import build_fuzzy

        build_fuzzy([(i, it.question) for i, it in enumerate(items)], folder, cfg.fuzzy_containment,
                    cfg.fuzzy_window)
    meta = read_meta(folder)
    meta["fingerprint"] = digest  # written last: an interrupted build is rebuilt next time
    write_meta(folder, meta)
    if log:
        log(f"decontam index: {len(items)} items from {len(cfg.benchmarks)} benchmark(s) → {folder}")
    return folder
