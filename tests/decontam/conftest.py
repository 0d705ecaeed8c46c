"""A small real index shared by the decontam tests: a few hundred items of real benchmarks from ../shared/data."""

from __future__ import annotations

import json

import pytest

from curate.benchmarks import load_benchmark
from curate.decontam import Decontaminator, build_index


@pytest.fixture(scope="session")
def small_items(shared_data):
    """GSM8K (20), MMLU moral scenarios (40: a shared template), MATH-500 (all: short items), sanitized MBPP
    (all: "Write a python function to ..." templates), HumanEval (10), MMLU astronomy (all: short stems, stock
    stems, long options) and ARC-Challenge (300: short stems, "Which is ..." questions)."""
    d = shared_data
    return (load_benchmark("gsm8k", d / "gsm8k" / "test.jsonl")[:20]
            + load_benchmark("mmlu", d / "mmlu" / "test" / "moral_scenarios_test.csv")[:40]
            + load_benchmark("math500", d / "math500")
            + load_benchmark("mbpp", d / "mbpp" / "sanitized-mbpp.json")
            + load_benchmark("humaneval", d / "human-eval")[:10]
            + load_benchmark("mmlu", d / "mmlu" / "test" / "astronomy_test.csv")
            + load_benchmark("arc", d / "arc-challenge" / "ARC-Challenge-Test.jsonl")[:300])


@pytest.fixture(scope="session")
def small_index(small_items, tmp_path_factory):
    return build_index(small_items, tmp_path_factory.mktemp("decontam") / "index")


@pytest.fixture(scope="session")
def checker(small_index):
    return Decontaminator(str(small_index))


@pytest.fixture(scope="session")
def pages(shared_data):
    """Main text of a few real pages (trafilatura on trafilatura-eval HTML), as hosts for injections."""
    import gzip

    import trafilatura

    root = shared_data / "trafilatura-eval"
    texts = []
    for entry in json.loads((root / "evaldata.json").read_text()).values():
        html = gzip.open(root / "html" / f"{entry['file']}.gz", "rb").read().decode("utf-8", "replace")
        text = trafilatura.extract(html, include_comments=False, include_tables=True)
        if text and len(text) > 1500:
            texts.append(text)
        if len(texts) == 12:
            return texts
    return texts


@pytest.fixture(scope="session")
def report(checker, small_items, pages, tmp_path_factory):
    """A report from real checks: a GSM8K item, a MATH-500 short item with an <html>-looking snippet, and an ARC
    flash card (stem + answer) in real pages."""
    from datatrove.data import Document

    from curate.decontam.steps import hit_rows
    from curate.report.contamination import write_reports

    docs = [
        Document(text=f"{pages[0][:800]}\n\n{small_items[2].question}\n\n{pages[0][800:1600]}", id="doc-gsm",
                 metadata={"url": "https://blog.example/gsm"}),
        Document(text=f"Homework <b>tonight</b>: Simplify $\\sqrt{{242}}$. Then rest.\n{pages[1][:500]}",
                 id="doc-short", metadata={}),
        Document(text=pages[2], id="doc-clean", metadata={}),
        Document(text=f"{pages[3][:600]}\n\nFlash card 12\nQ: At which temperature does water freeze?\nA: 0 degrees "
                 f"Celsius\n\n{pages[3][600:1200]}", id="doc-card", metadata={"url": "https://cards.example/12"}),
    ]
    rows = []
    for doc, result in zip(docs, checker.check_many([d.text for d in docs])):
        rows += hit_rows(doc, result, [], checker.index.items, dropped=result.contaminated)
    out = tmp_path_factory.mktemp("report")
    totals = {"gsm8k": 20, "math500": 500, "mmlu": 40, "arc": 300}
    summary = write_reports(rows, totals, out / "report", subtitle="test run")
    return out, rows, summary
