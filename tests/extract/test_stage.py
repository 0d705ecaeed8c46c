"""The extract stage end to end (LocalPipelineExecutor, 2 tasks) and one test per drop reason."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import time

import pytest
import yaml

from curate.accounting import Rejects
from curate.extract.config import ResiliparseConfig, TrafilaturaConfig
from curate.extract import steps as extract_steps
from tests.helpers import kept, rejected, run_pipeline, write_jsonl

ENGLISH = (
    "The committee met on Tuesday to review the annual budget for the public library. Members agreed that the "
    "reading room needs new lighting, and that the children's section should be open for longer hours during the "
    "summer holidays. The treasurer explained how the costs would be shared between the town and the county. "
)


def config(tmp_path, inputs, extract: dict | None = None, tasks: int = 2) -> dict:
    return {
        "name": "t",
        "output": str(tmp_path / "out"),
        "input": {"paths": [str(p) for p in inputs]},
        "executor": {"tasks": tasks},
        "extract": extract or {},
    }


def test_end_to_end_on_real_warcs(tmp_path, shared_data):
    inputs = [shared_data / "resiliparse-warc", shared_data / "commoncrawl-whirlwind", shared_data / "warcio-testdata"]
    block = {"filters": [{"name": "gopher_repetition"}], "language": {"languages": None}}  # keep the Aragonese page
    (funnel,) = run_pipeline(config(tmp_path, inputs, block))
    out = tmp_path / "out"
    docs, drops = kept(out, "extract"), rejected(out, "extract")
    # every document is accounted for, and the counts on disk equal the funnel's
    assert funnel.unaccounted == 0
    assert funnel.kept == len(docs) > 5
    assert funnel.dropped == {reason: len(rows) for reason, rows in drops.items()}
    # record ids are unique within a file (warcio's test files repeat records across files, as crawls can)
    assert len({(d["metadata"]["source_file"], d["id"]) for d in docs}) == len(docs)
    for d in docs:
        assert d["metadata"]["curate_stage"] == "extract" and d["metadata"]["language"]
        assert "<html" not in d["text"].lower()
    # the WET record passes through as text, the Escopete page from the WARC is extracted
    urls = [d["metadata"].get("url") for d in docs]
    assert urls.count("https://an.wikipedia.org/wiki/Escopete") == 2
    report = json.loads((out / "report" / "funnel.json").read_text())
    assert report["stages"][0]["stage"] == "extract" and report["stages"][0]["kept"] == len(docs)
    problems = json.loads((out / "report" / "input_problems.json").read_text())
    assert problems["counts"]["corrupt_file"] >= 1 and problems["counts"]["truncated_record"] >= 1


def test_rerun_resumes_without_duplicates(tmp_path, shared_data):
    cfg = config(tmp_path, [shared_data / "resiliparse-warc"], {"filters": []})
    run_pipeline(cfg)
    first = sorted(d["id"] for d in kept(tmp_path / "out", "extract"))
    run_pipeline(cfg)  # every task has its completion marker: nothing runs again
    assert sorted(d["id"] for d in kept(tmp_path / "out", "extract")) == first


def jsonl_input(tmp_path, texts: dict[str, str], url: str = "https://example.org/page") -> list:
    path = write_jsonl(tmp_path / "in" / "docs.jsonl",
                       [{"id": k, "text": v, "url": f"{url}/{k}"} for k, v in texts.items()])
    return [path]


def reasons_for(tmp_path, texts, extract, url="https://example.org/page") -> dict[str, list[str]]:
    run_pipeline(config(tmp_path, jsonl_input(tmp_path, texts, url), extract, tasks=1))
    return {reason: sorted(r["id"] for r in rows) for reason, rows in rejected(tmp_path / "out", "extract").items()}


def test_language_reasons(tmp_path):
    texts = {
        "en": ENGLISH,
        "de": "Der Ausschuss traf sich am Dienstag, um den Jahreshaushalt der öffentlichen Bibliothek zu prüfen. " * 3,
        "mixed": "ok 12 34 !! ?? -- ## ** 5 6",
    }
    got = reasons_for(tmp_path, texts, {"language": {"languages": ["en"], "min_score": 0.9}, "filters": []})
    assert got["language_not_kept"] == ["de"] or got["language_not_kept"] == ["de", "mixed"]
    kept_ids = [d["id"] for d in kept(tmp_path / "out", "extract")]
    assert kept_ids == ["en"]
    assert "language_low_score" in got or "mixed" in got["language_not_kept"]


def test_language_low_score(tmp_path):
    # half English, half German: no language reaches a 0.9999 probability
    text = ENGLISH + " Der Ausschuss traf sich am Dienstag, um den Jahreshaushalt zu prüfen."
    got = reasons_for(tmp_path, {"mix": text}, {"language": {"min_score": 0.99999999}, "filters": []})
    assert got == {"language_low_score": ["mix"]}


def test_empty_text_after_extraction(tmp_path):
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "nav.html").write_text("<html><head><script>var x = 1;</script></head><body></body></html>")
    (folder / "article.html").write_text(f"<html><body><article><p>{ENGLISH}</p></article></body></html>")
    run_pipeline(config(tmp_path, [folder], {"language": None, "filters": []}, tasks=1))
    assert [r["id"] for r in rejected(tmp_path / "out", "extract")["empty_text"]] == ["nav.html"]
    assert [d["id"] for d in kept(tmp_path / "out", "extract")] == ["article.html"]


def test_resiliparse_extractor(tmp_path, shared_data):
    """``extractor: resiliparse`` runs Resiliparse's ``extract_plain_text`` with the block's options on real pages,
    in the same sandbox; ``--timeout`` sets the time limit of the extractor the command runs."""
    from resiliparse.extract.html2text import extract_plain_text

    folder = tmp_path / "site"
    folder.mkdir()
    pages = sorted((shared_data / "trafilatura-eval" / "html").glob("*.html.gz"))[:40:10]
    for page in pages:
        (folder / page.name.removesuffix(".gz")).write_bytes(gzip.decompress(page.read_bytes()))
    (funnel,) = run_pipeline(config(tmp_path, [folder], {"extractor": "resiliparse", "language": None, "filters": []},
                                    tasks=1))
    docs = {d["id"]: d["text"] for d in kept(tmp_path / "out", "extract")}
    assert funnel.kept == len(docs) == len(pages)
    options = ResiliparseConfig().options()
    for name, text in docs.items():
        html = (folder / name).read_bytes().decode("utf-8", errors="replace")
        assert text == extract_plain_text(html, **options), name
    res = subprocess.run([sys.executable, "-m", "curate", "extract", str(folder), "-o", str(tmp_path / "o"),
                          "--extractor", "resiliparse", "--timeout", "3", "--dry-run"], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    block = yaml.safe_load(res.stdout.partition("# resolved config")[2].split("\n# ")[0])["extract"]
    assert block["extractor"] == "resiliparse" and block["resiliparse"]["timeout_s"] == 3.0
    assert block["trafilatura"]["timeout_s"] == TrafilaturaConfig().timeout_s


@pytest.mark.parametrize(
    "name,text,url,expected",
    [
        ("url", ENGLISH, "https://pornhub.com/video", "url.domain"),
        ("gopher_quality", "Too short to be a document.", None, "gopher_short_doc"),
        ("gopher_repetition", ("Buy cheap watches now!\n" * 40) + ENGLISH, None, "gopher_repetition.dup_line_frac"),
        ("c4", ENGLISH + "\nLorem ipsum dolor sit amet, consectetur adipiscing elit.", None, "c4.lorem_ipsum"),
        ("fineweb", "\n".join(["a line with no end punct"] * 30), None, "fineweb.line_punct_ratio"),
    ],
)
def test_each_heuristic_filter_reason(tmp_path, name, text, url, expected):
    got = reasons_for(tmp_path, {"doc": text}, {"language": None, "filters": [{"name": name}]},
                      url=url or "https://example.org/page")
    assert got == {expected: ["doc"]}


def run_step_in_process(tmp_path, docs, timeout_s=5.0):
    """Run ExtractText directly (no executor) so a test can patch the extraction function the sandbox forks."""
    from datatrove.data import Document

    rejects = Rejects(str(tmp_path / "rejected"))
    step = extract_steps.ExtractText(TrafilaturaConfig(timeout_s=timeout_s), "html", 1)
    step.rejects = rejects
    data = [Document(text=t, id=i, metadata={"content_kind": "html"}) for i, t in docs.items()]
    passed = [d.id for d in step.run(iter(data))]
    rejects.close()
    return passed


def test_timeout_crash_and_error_reasons(tmp_path, monkeypatch):
    real = extract_steps.EXTRACTORS["trafilatura"]

    def misbehaving(html, options):
        if "SLOW" in html:
            time.sleep(30)
        if "CRASH" in html:
            os._exit(3)
        if "RAISE" in html:
            raise RuntimeError("parser exploded")
        return real(html, options)

    monkeypatch.setitem(extract_steps.EXTRACTORS, "trafilatura", misbehaving)
    pages = {f"p{i}": f"<html><body><p>{marker} {ENGLISH}</p></body></html>"
             for i, marker in enumerate(["ok", "SLOW", "ok", "CRASH", "RAISE", "ok"])}
    passed = run_step_in_process(tmp_path, pages, timeout_s=2.0)
    assert passed == ["p0", "p2", "p5"]  # the sandbox recovers after each failure
    drops = rejected(tmp_path, "")  # rejected/ sits directly under tmp_path here
    assert {k: [r["id"] for r in v] for k, v in drops.items()} == {
        "extract_timeout": ["p1"], "extract_crash": ["p3"], "extract_error": ["p4"]}
    assert "parser exploded" in drops["extract_error"][0]["metadata"]["extract_error"]
