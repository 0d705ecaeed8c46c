"""The mixture stage: count tokens per source as datatrove tasks, then write the manifest, exports and chart.

The stage is no document filter: it reads its sources, keeps and drops nothing, and its one step group only counts.
The group's name carries a fingerprint of what the counts depend on (sources, their files as listed at plan time,
tokenizer, number of tasks), so a changed source gets counted again while an unchanged one resumes; per-file counts
are cached by content hash either way. The manifest is written by the plan's ``finalize`` hook, on the driver,
once every task has completed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

import polars as pl

from curate.errors import CurateError
from curate.mixture.config import MixtureConfig
from curate.mixture.count import CountTokens
from curate.mixture.exports import sampling_table, write_chart, write_megatron_blend, write_sampling_plan
from curate.mixture.manifest import build_manifest, config_hash, files_table, plan_mixture, summary, write_manifest
from curate.mixture.sources import Source, list_files, resolve_sources
from curate.stage import StageContext, StagePlan, StepGroup
from curate.tokenizers import TokenizerRef, resolve_tokenizer


def plan(cfg: MixtureConfig, ctx: StageContext) -> StagePlan:
    tokenizer = resolve_tokenizer(cfg.tokenizer)
    sources = resolve_sources(cfg, ctx)
    tasks = ctx.executor.tasks
    fingerprint = _fingerprint(sources, tokenizer, tasks)
    work = ctx.work_dir / fingerprint
    cache = Path(cfg.cache_dir) if cfg.cache_dir else ctx.kept_dir / "_cache"
    step = CountTokens(sources, tokenizer, str(cache), str(work), cfg.batch_size)

    def write_mixture_manifest() -> str:
        return finalize(cfg, ctx, sources, tokenizer, work, tasks)

    return StagePlan([StepGroup(f"mixture-{fingerprint}", [step])], finalize=write_mixture_manifest)


def _fingerprint(sources: list[Source], tokenizer: TokenizerRef, tasks: int) -> str:
    """What the counting tasks' results depend on; part of the step group's name (and so of its logs folder)."""
    payload = {
        "sources": [asdict(s) | {"weight": None} for s in sources],
        "files": [[asdict(e) for e in list_files(s)] for s in sources],
        "tokenizer": tokenizer.sha256,
        "tasks": tasks,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:10]


def read_counts(work: Path, tasks: int) -> tuple[list[dict], dict[str, str | None]]:
    """The per-file records every task wrote, and the folder each source was read from."""
    records, folders = [], {}
    for rank in range(tasks):
        path = work / f"{rank:05d}.json"
        if not path.is_file():
            raise CurateError(f"mixture: task {rank} left no counts ({path}); re-run the same command to resume")
        result = json.loads(path.read_text())
        records.extend(result["files"])
        folders.update(result["folders"])
    return records, folders


def _check_fresh(sources: list[Source], records: list[dict]) -> None:
    """Fail when files changed between counting and now (the counts would not describe the data)."""
    counted = {(r["source"], r["path"], r["size"], r["mtime_ns"]) for r in records}
    now = {(e.source, e.path, e.size, e.mtime_ns) for s in sources for e in list_files(s)}
    if counted != now or len(counted) != len(records):  # tasks that listed different files may overlap
        changed = sorted({p for _, p, _, _ in counted ^ now}) or sorted(r["path"] for r in records)
        raise CurateError(
            f"mixture: files changed while they were being counted (e.g. {changed[0]}); re-run the same command: "
            "changed files are counted again, unchanged ones come from the cache"
        )


def finalize(cfg: MixtureConfig, ctx: StageContext, sources: list[Source], tokenizer: TokenizerRef,
             work: Path, tasks: int) -> str:
    """Write ``manifest.yaml``/``.json``, the Megatron blend, the sampling plan, the chart and the summary;
    return the summary (with the warnings)."""
    records, folders = read_counts(work, tasks)
    _check_fresh(sources, records)
    files = files_table(records)
    tokens = dict(files.group_by("source").agg(pl.col("tokens").sum()).iter_rows())
    mix = plan_mixture(cfg.budget, {s.name: s.weight for s in sources}, tokens, cfg.max_epochs)
    mix.warnings.extend(_file_warnings(sources, records, folders))
    payload = {"budget": cfg.budget, "tokenizer": tokenizer.sha256, "max_epochs": cfg.max_epochs,
               "sources": {s.name: {"folder": folders.get(s.name), "weight": s.weight, "glob": s.glob,
                                    "text_key": s.text_key} for s in sources}}
    manifest = build_manifest(mix, files, tokenizer.describe(), config_hash(payload))
    write_manifest(manifest, ctx.output)
    stage_dir, report = ctx.kept_dir, ctx.report_dir
    table = sampling_table(mix, files, folders)
    write_megatron_blend(table, cfg.megatron_prefix or str(ctx.output / "megatron"),
                         stage_dir / "megatron_data_path.txt")
    write_sampling_plan(table, mix, stage_dir / "sampling_plan.tsv")
    write_chart(mix, cfg.max_epochs, report / "mixture.png")
    text = summary(mix, cfg.max_epochs)
    (report / "mixture.txt").write_text(text + "\n", encoding="utf-8")
    return f"mixture: manifest written to {ctx.output / 'manifest.yaml'}\n{text}"


def _file_warnings(sources: list[Source], records: list[dict], folders: dict) -> list[str]:
    warnings = [f"file {r['path']} ({r['source']}) could not be read and was left out: {r['error']}"
                for r in records if "error" in r]
    for s in sources:
        if folders.get(s.name) is None:
            warnings.append(f"source {s.name}: its folder does not exist ({s.path})")
        elif not any(r["source"] == s.name for r in records):
            warnings.append(f"source {s.name}: no document files in {folders[s.name]}")
    return warnings
