"""The mixture as the last stage of a YAML pipeline: `web` defaults to the previous stage's kept documents, relative
paths resolve against the config's folder, and a re-run resumes without recounting."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from curate.cli import app
from curate.config import load_config
from curate.errors import CurateError
from curate.pipeline import plan_run


@pytest.fixture()
def run_dir(tmp_path, corpus, neox_json):
    """A config folder: documents to extract, a `books` source and a tokenizer file, all named relatively."""
    shutil.copytree(corpus["mmlu"], tmp_path / "docs")
    shutil.copytree(corpus["books"], tmp_path / "books")
    (tmp_path / "tok").mkdir()
    shutil.copy(neox_json, tmp_path / "tok" / "neox.json")
    config = {
        "name": "mixtest",
        "output": "out",
        "input": {"paths": ["docs"], "format": "jsonl"},
        "executor": {"tasks": 2},
        "extract": {"content": "text", "language": None, "filters": []},
        "mixture": {"budget": "1M", "tokenizer": "tok/neox.json",
                    "sources": {"web": {"weight": 0.7}, "books": {"path": "books", "weight": 0.3}}},
    }
    (tmp_path / "run.yaml").write_text(yaml.safe_dump(config))
    return tmp_path


def test_pipeline_mixture_reads_the_previous_stage_and_resolves_relative_paths(run_dir, neox_json, recount,
                                                                              count_stats):
    result = CliRunner().invoke(app, ["run", str(run_dir / "run.yaml")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = run_dir / "out"
    manifest = yaml.safe_load((out / "manifest.yaml").read_text())
    assert manifest["tokenizer"]["path"] == str(run_dir / "tok" / "neox.json")
    web_files = sorted((out / "extract").glob("*.jsonl.gz"))
    assert len(web_files) == 2  # tasks=2: one kept file per rank
    web = manifest["sources"]["web"]
    assert sorted(f["path"] for f in web["files"]) == [str(p) for p in web_files]
    assert (web["documents"], web["unique_tokens"]) == recount(web_files, neox_json)
    assert web["documents"] == 120  # every MMLU question went through extract
    books = manifest["sources"]["books"]
    assert all(f["path"].startswith(str(run_dir / "books")) for f in books["files"])
    assert books["unique_tokens"] == recount([Path(f["path"]) for f in books["files"]], neox_json)[1]
    assert (out / "report" / "mixture.png").is_file() and (out / "report" / "funnel.json").is_file()

    # the same command again: extract resumes, the counting tasks run again (files appeared since the first plan)
    # but take every count from the cache
    created = manifest["created"]
    result = CliRunner().invoke(app, ["run", str(run_dir / "run.yaml")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    again = yaml.safe_load((out / "manifest.yaml").read_text())
    assert again["sources"] == manifest["sources"] and again["config_hash"] == manifest["config_hash"]
    assert again["created"] >= created
    stats = {key: n for key, n in count_stats(out).items() if key.startswith("files_")}
    assert stats == {"files_counted": 4, "files_cached": 4}


def test_behind_a_rewrite_stage_web_is_the_stage_before_it(tmp_path, corpus):
    """With rewrite upstream: web_rewrites is its output, web the run's documents (the last stage making them)."""
    from curate.config import ExecutorConfig
    from curate.mixture.config import MixtureConfig
    from curate.mixture.sources import list_files, resolve_sources
    from curate.stage import StageContext

    artifacts = {"documents": tmp_path / "dedup", "rewrites": tmp_path / "rewrite"}
    ctx = StageContext("mixture", tmp_path, "r", ExecutorConfig(), artifacts=artifacts)
    web, rewrites = resolve_sources(MixtureConfig(budget="1M"), ctx)
    assert (rewrites.name, rewrites.path) == ("web_rewrites", str(tmp_path / "rewrite"))
    assert web.path == str(tmp_path / "dedup")
    for stage in ("dedup", "extract"):
        shutil.copytree(corpus["mmlu"], tmp_path / stage / "rejected" / "x")  # rejects are never read
        shutil.copy(next(corpus["books"].glob("*.jsonl.gz")), tmp_path / stage / "00000.jsonl.gz")
    assert web.folder() == tmp_path / "dedup"
    assert [e.path for e in list_files(web)] == [str(tmp_path / "dedup" / "00000.jsonl.gz")]


def test_sources_default_to_web_when_none_are_named(run_dir):
    config = yaml.safe_load((run_dir / "run.yaml").read_text())
    del config["mixture"]["sources"]
    (run_dir / "run.yaml").write_text(yaml.safe_dump(config))
    planned = plan_run(load_config(run_dir / "run.yaml"))
    step = planned[-1].plan.groups[0].pipeline[0]
    assert [(s.name, s.path) for s in step.sources] == [("web", str(run_dir / "out" / "extract"))]


@pytest.mark.parametrize("sources,message", [
    ({"web_rewrites": {"weight": 1.0}}, "rewrite stage does not run before mixture"),
    ({"code": {"weight": 1.0}}, "mixture.sources.code: no path"),
    ({"code": {"path": "nowhere", "weight": 1.0}}, "source folder(s) not found: code:"),
])
def test_sources_that_cannot_be_found(run_dir, sources, message):
    config = yaml.safe_load((run_dir / "run.yaml").read_text())
    config["mixture"]["sources"] = sources
    (run_dir / "run.yaml").write_text(yaml.safe_dump(config))
    with pytest.raises(CurateError, match=message.replace("(", r"\(").replace(")", r"\)")):
        plan_run(load_config(run_dir / "run.yaml"))


def test_counting_step_pickles_for_slurm_and_ray(run_dir, tmp_path, corpus, neox_json, recount):
    """Executors ship the step to workers by pickling it; the copy must count the same files the same way."""
    import pickle

    planned = plan_run(load_config(run_dir / "run.yaml"), only=["mixture"])
    step = pickle.loads(pickle.dumps(planned[0].plan.groups[0].pipeline[0]))
    step.sources = [s for s in step.sources if s.name == "books"]
    step.work_dir, step.cache_dir = str(tmp_path / "work"), str(tmp_path / "cache")
    list(step.run(None, rank=0, world_size=1))
    result = json.loads((tmp_path / "work" / "00000.json").read_text())
    files = sorted(Path(r["path"]) for r in result["files"])
    assert sum(r["tokens"] for r in result["files"]) == recount(files, neox_json)[1]
    assert len(files) == 2


def test_files_changed_between_counting_and_manifest_are_refused(run_dir):
    from curate.executors import build_executor

    cfg = load_config(run_dir / "run.yaml")
    cfg.mixture.sources = {"books": cfg.mixture.sources["books"]}
    (ps,) = plan_run(cfg, only=["mixture"])
    group = ps.plan.groups[0]
    build_executor(cfg.executor, group, ps.ctx.logs_dir(group.name), "t").run()
    victim = next((run_dir / "books").glob("*.jsonl.gz"))
    victim.write_bytes(victim.read_bytes() + b"\n")
    with pytest.raises(CurateError, match="changed while they were being counted"):
        ps.plan.finalize()
    assert not (run_dir / "out" / "manifest.yaml").exists()
