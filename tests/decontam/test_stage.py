"""The decontam stage end to end through the real driver (LocalPipelineExecutor, 2 tasks) and the CLI."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from curate.benchmarks import load_benchmark
from curate.cli import app
from curate.config import parse_config
from curate.decontam.build import ensure_index
from curate.errors import ConfigError
from tests.helpers import kept, read_jsonl_gz, rejected, run_pipeline, write_jsonl


def _inject(page: str, snippet: str) -> str:
    cut = len(page) // 2
    return f"{page[:cut]}\n\n{snippet}\n\n{page[cut:]}"


@pytest.fixture(scope="module")
def bench_specs(shared_data):
    return [{"name": "gsm8k", "path": str(shared_data / "gsm8k" / "test.jsonl")},
            {"name": "math500", "path": str(shared_data / "math500")}]


@pytest.fixture(scope="module")
def corpus(shared_data, pages, tmp_path_factory):
    """Two input files (one per task): clean pages, a verbatim GSM8K item, a short MATH-500 item, a partial
    (scattered) copy and a noisy copy (a typo every 12 words: no 13-gram survives; its 7-gram ratio, 0.41, is above
    the default contaminated_ratio but below the strict 0.5 most runs here use, leaving it to the fuzzy pass)."""
    gsm = load_benchmark("gsm8k", shared_data / "gsm8k" / "test.jsonl")
    words = gsm[5].question.split()
    scattered = " ".join(w if (i + 1) % 9 else "zzz" for i, w in enumerate(words))  # 7-gram ratio 0.23
    long_q = next(it for it in gsm[40:] if len(it.question.split()) > 70)
    noisy = " ".join(w + "q" if i % 12 == 5 else w for i, w in enumerate(long_q.question.split()))
    root = tmp_path_factory.mktemp("decontam_in")
    write_jsonl(root / "a.jsonl", [
        {"id": "a-gsm", "text": _inject(pages[0], f"{gsm[3].question}\n{gsm[3].answer}"), "url": "https://a.example/1"},
        {"id": "a-clean", "text": pages[1], "url": "https://a.example/2"},
        {"id": "a-partial", "text": _inject(pages[2], scattered), "url": "https://a.example/3"},
    ])
    write_jsonl(root / "b.jsonl", [
        {"id": "b-short", "text": _inject(pages[3], "Simplify $\\sqrt{242}$."), "url": "https://b.example/1"},
        {"id": "b-clean", "text": pages[4], "url": "https://b.example/2"},
        {"id": "b-noisy", "text": _inject(pages[5], noisy), "url": "https://b.example/3"},
        {"id": "b-clean2", "text": pages[6], "url": "https://b.example/4"},
    ])
    return root


@pytest.fixture(scope="module")
def prebuilt(bench_specs, tmp_path_factory):
    """One index (with the fuzzy ensemble) shared by the runs below: `index:` + matching benchmarks reuse it."""
    from curate.decontam.config import DecontamConfig

    folder = tmp_path_factory.mktemp("decontam_index") / "ix"
    return ensure_index(DecontamConfig(benchmarks=bench_specs, fuzzy=True), folder)


def _run(corpus, out, bench_specs, prebuilt, strict=True, **block):
    """Run the stage; ``strict`` raises contaminated_ratio to 0.5 and turns the fuzzy pass on."""
    extra = {"contaminated_ratio": 0.5, "fuzzy": True} if strict else {}
    data = {"name": "t", "output": str(out), "input": {"paths": [str(corpus)]}, "executor": {"tasks": 2},
            "decontam": {"benchmarks": bench_specs, "index": str(prebuilt), **extra, **block}}
    return run_pipeline(data)


@pytest.fixture(scope="module")
def default_run(corpus, bench_specs, prebuilt, tmp_path_factory):
    out = tmp_path_factory.mktemp("decontam_out")
    meta_mtime = (prebuilt / "meta.json").stat().st_mtime
    funnels = _run(corpus, out, bench_specs, prebuilt)
    assert (prebuilt / "meta.json").stat().st_mtime == meta_mtime  # reused, not rebuilt
    return out, funnels


def test_contaminated_documents_are_dropped_and_the_rest_kept(default_run):
    out, funnels = default_run
    dropped = rejected(out, "decontam")
    assert set(dropped) == {"contaminated"}
    assert {d["id"] for d in dropped["contaminated"]} == {"a-gsm", "b-short"}
    assert {d["metadata"]["filter_reason"] for d in dropped["contaminated"]} == {"contaminated"}
    docs = {d["id"]: d for d in kept(out, "decontam")}
    assert set(docs) == {"a-clean", "a-partial", "b-clean", "b-noisy", "b-clean2"}
    assert "contamination" not in docs["a-clean"]["metadata"]
    partial = docs["a-partial"]["metadata"]["contamination"]
    assert partial["verdict"] == "partial" and partial["items"] == ["gsm8k/test:6"]
    assert partial["fuzzy"] is True and partial["fuzzy_items"] == ["gsm8k/test:6"]  # apart from the exact verdict
    assert docs["b-noisy"]["metadata"]["contamination"]["fuzzy"] is True
    assert docs["b-noisy"]["metadata"]["contamination"]["verdict"] != "contaminated"
    f = funnels[0]
    assert f.docs_in == 7 and f.docs_in == f.kept + f.dropped_total and f.dropped == {"contaminated": 2}


def test_report_rows_and_html(default_run):
    out, _ = default_run
    rows = [json.loads(line) for line in (out / "report" / "contamination.jsonl").open()]
    by_doc = {}
    for r in rows:
        by_doc.setdefault(r["doc_id"], []).append(r)
    assert set(by_doc) == {"a-gsm", "b-short", "a-partial", "b-noisy"}
    gsm = by_doc["a-gsm"][0]
    assert gsm["benchmark"] == "gsm8k" and gsm["item_id"] == "test:4" and gsm["verdict"] == "contaminated"
    assert gsm["url"] == "https://a.example/1" and gsm["matches_13"] > 10 and gsm["dropped"] is True
    for s, e in gsm["spans"]:
        passage = gsm["excerpt"][s - gsm["excerpt_offset"]:e - gsm["excerpt_offset"]]
        assert passage and passage.split()[0] in gsm["question"] + gsm["answer"]
    noisy = {r["verdict"]: r for r in by_doc["b-noisy"]}  # the fuzzy verdict is a row of its own, never merged
    assert set(noisy) == {"partial", "fuzzy"} and noisy["fuzzy"]["containment"] >= 0.7
    assert noisy["partial"]["matches_13"] == 0 and "containment" not in noisy["partial"]
    summary = json.loads((out / "report" / "contamination_summary.json").read_text())
    gsm_row = next(b for b in summary["benchmarks"] if b["benchmark"] == "gsm8k")
    assert gsm_row["items"] == 1319 and gsm_row["docs_contaminated"] == 1 and gsm_row["docs_partial"] == 2
    page = (out / "report" / "contamination.html").read_text()
    assert "<mark>" in page and "gsm8k / test:4" in page


@pytest.mark.parametrize(("block", "reason", "ids"), [
    ({"on_partial": "drop"}, "partial", {"a-partial", "b-noisy"}),  # the noisy copy is also partial
    ({"on_fuzzy": "drop"}, "fuzzy", {"a-partial", "b-noisy"}),
])
def test_each_drop_reason(corpus, bench_specs, prebuilt, tmp_path, block, reason, ids):
    _run(corpus, tmp_path, bench_specs, prebuilt, **block)
    dropped = rejected(tmp_path, "decontam")
    assert {d["id"] for d in dropped[reason]} == ids
    assert {d["id"] for d in dropped["contaminated"]} == {"a-gsm", "b-short"}


def test_default_thresholds(corpus, bench_specs, prebuilt, tmp_path):
    """With the defaults (ratio 0.3, no fuzzy pass) the noisy copy is contaminated by its 7-gram ratio."""
    _run(corpus, tmp_path, bench_specs, prebuilt, strict=False)
    assert {d["id"] for d in rejected(tmp_path, "decontam")["contaminated"]} == {"a-gsm", "b-short", "b-noisy"}
    docs = {d["id"]: d for d in kept(tmp_path, "decontam")}
    assert docs["a-partial"]["metadata"]["contamination"]["verdict"] == "partial"
    assert "fuzzy" not in docs["a-partial"]["metadata"]["contamination"]


def test_flag_instead_of_drop(corpus, bench_specs, prebuilt, tmp_path):
    _run(corpus, tmp_path, bench_specs, prebuilt, on_contaminated="flag", fuzzy=False)
    assert rejected(tmp_path, "decontam") == {}
    docs = {d["id"]: d for d in kept(tmp_path, "decontam")}
    assert docs["a-gsm"]["metadata"]["contamination"]["verdict"] == "contaminated"


def test_cli_run_index_and_audit(corpus, shared_data, tmp_path):
    runner = CliRunner()
    gsm = f"gsm8k={shared_data / 'gsm8k' / 'test.jsonl'}"
    res = runner.invoke(app, ["decontam", "index", "-b", gsm, "-b", f"math500={shared_data / 'math500'}",
                              "-o", str(tmp_path / "ix")])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["decontam", str(corpus), "--index", str(tmp_path / "ix"), "-o", str(tmp_path / "o"),
                              "--tasks", "2"])
    assert res.exit_code == 0, res.output
    assert len(read_jsonl_gz(tmp_path / "o" / "decontam" / "rejected" / "contaminated")) == 3
    res = runner.invoke(app, ["decontam", "audit", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    lines = {line.split()[0]: line.split() for line in res.output.splitlines()[2:]}
    assert lines["gsm8k"][1:5] == ["1319", "3", "2", "3"]  # items, items hit, contaminated items, docs hit
    assert lines["math500"][1:5] == ["500", "1", "1", "1"]
    missing = runner.invoke(app, ["decontam", "audit", str(tmp_path / "nothing")])
    assert missing.exit_code == 2 and "run `curate decontam` first" in missing.output


def test_config_needs_benchmarks_or_an_index(tmp_path):
    with pytest.raises(ConfigError, match="give `benchmarks:`"):
        parse_config({"output": str(tmp_path), "decontam": {}})
    with pytest.raises(ConfigError, match="partial_ratio"):
        parse_config({"output": str(tmp_path), "decontam": {"index": "x", "partial_ratio": 0.9}})
