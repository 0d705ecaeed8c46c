"""The run page (report/index.html): built by `curate run` and by `curate report OUT`, on a finished run and on one
killed mid-way, self-contained, and opened in headless Chromium without a single network request."""

from __future__ import annotations

import gzip
import html
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

from tests.helpers import kept, open_in_chromium

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _curate(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "curate", *map(str, args)], capture_output=True, text=True, cwd=REPO)


def _outside_refs(page: str) -> list[str]:
    """Every src/href value that is neither inline (data:), nor an anchor on the page, nor the audit page beside it."""
    refs = re.findall(r'(?:src|href)="([^"]*)"', page)
    return [r for r in refs if not (r.startswith(("data:", "#")) or r == "contamination.html")]


@pytest.fixture(scope="module")
def killed_run(tmp_path_factory) -> Path:
    """A real run of five stages on 30 pages per task, killed (SIGKILL to its process group, as a scheduler or an
    OOM killer would) as soon as its score stage has started: extract and dedup completed, mixture never ran."""
    root = tmp_path_factory.mktemp("killed")
    out = root / "out"
    config = {
        "name": "killed", "output": str(out),
        "input": {"paths": [str(REPO / "data/quickstart/pages.warc.gz")], "limit": 30},
        "executor": {"kind": "local", "tasks": 2, "workers": 2},
        "extract": {"language": {"languages": ["en"]}, "filters": [{"name": "gopher_quality"}, {"name": "c4"}]},
        "dedup": {"threshold": 0.8},
        "score": {"classifiers": [{"path": str(REPO / "classifiers/content"), "min_score": 0.85}]},
        "decontam": {"benchmarks": [{"name": "gsm8k", "path": str(REPO / "data/benchmarks/gsm8k/test.jsonl")}]},
        "mixture": {"budget": "100K", "tokenizer": "gpt-neox-20b", "sources": {"web": {"weight": 1.0}}},
    }
    path = root / "killed.yaml"
    path.write_text(yaml.safe_dump(config))
    log = (root / "run.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "curate", "run", str(path)], cwd=REPO, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        while not list((out / "logs" / "score" / "logs").glob("task_*.log")):
            if proc.poll() is not None:
                pytest.fail(f"the run ended before its score stage started:\n{(root / 'run.log').read_text()[-3000:]}")
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    return out


def _incomplete_stages(out: Path) -> list[str]:
    """Stages with a step lacking a completion marker, counted from the folder itself."""
    record = json.loads((out / "logs" / "curate_run.json").read_text())
    short = []
    for g in record["groups"]:
        done = Path(g["log_dir"], "completions")
        if (len(list(done.iterdir())) if done.is_dir() else 0) < g["tasks"] and g["stage"] not in short:
            short.append(g["stage"])
    return short


def test_report_on_a_killed_run_says_what_finished_and_what_did_not(killed_run):
    assert not (killed_run / "report" / "index.html").exists()  # the run died before writing it
    short = _incomplete_stages(killed_run)
    assert "extract" not in short and "dedup" not in short and "mixture" in short
    res = _curate("report", killed_run)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0].endswith(": did not finish")
    states = {line.split()[0]: line.split()[1] for line in lines if line.startswith("  ") and line[2] != " "}
    assert states["extract"] == states["dedup"] == "done" and states["mixture"] == "not"  # "not started"
    assert sorted(s for s, st in states.items() if st != "done") == sorted(short)

    page = (killed_run / "report" / "index.html").read_text()
    assert "This run did not finish: " + ", ".join(short) in page
    assert "Every step of this run completed" not in page
    assert page.count('class="state s-done"') == 5 - len(short) and 'class="state s-not-started"' in page
    extract_rows = page.split("<td>extract in")[1].split('<tr class="stage">')[0]  # its counts are the run's
    assert f'<td class="reason">kept</td><td>{len(kept(killed_run, "extract")):,}</td>' in extract_rows
    assert "No manifest: the run has no mixture stage, or it did not finish." in page
    assert "name: killed" in page and _outside_refs(page) == []  # recorded when the run started


def test_config_and_thresholds_are_recorded_on_request(killed_run, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(killed_run, out)
    res = _curate("report", out, "--config", killed_run.parent / "killed.yaml")
    assert res.returncode == 0, res.stderr
    settings = json.loads((out / "report" / "run_settings.json").read_text())
    assert settings["config"]["output"] == str(out) and settings["versions"]["datatrove"]
    page = (out / "report" / "index.html").read_text()
    assert "name: killed" in page and "The resolved config was not recorded" not in page


def test_text_edits_show_their_removed_lines(killed_run, tmp_path):
    """The edits contract (issue 14): <stage>/edits/<rule>/<rank>.jsonl.gz and an "edits" entry in funnel.json."""
    out = tmp_path / "out"
    shutil.copytree(killed_run, out)
    docs = kept(out, "extract")[:5]
    rule_dir = out / "extract" / "edits" / "c4.too_few_words"
    rule_dir.mkdir(parents=True)
    with gzip.open(rule_dir / "00000.jsonl.gz", "wt", encoding="utf-8") as fh:
        for doc in docs:
            removed = doc["text"].splitlines()[-2:]
            meta = {"edit_rule": "c4.too_few_words", "lines_removed": len(removed),
                    "chars_removed": sum(map(len, removed)), "curate_stage": "extract"}
            fh.write(json.dumps({"id": doc["id"], "text": "\n".join(removed), "metadata": meta}) + "\n")
    (out / "report").mkdir(exist_ok=True)
    entry = {"stage": "extract", "edits": {"c4.too_few_words": {"docs": 5, "lines": 10, "chars": 321}}}
    (out / "report" / "funnel.json").write_text(json.dumps({"stages": [entry]}))
    assert _curate("report", out).returncode == 0
    page = (out / "report" / "index.html").read_text()
    assert 'id="edit-extract-c4.too_few_words"' in page
    assert "5 documents edited, 10 lines removed" in " ".join(page.split())
    assert page.count('<pre class="text removed">') == 3  # a few samples per rule, not the whole folder
    assert html.escape(docs[0]["text"].splitlines()[-1], quote=False) in page


@pytest.mark.llm
def test_the_quickstart_writes_its_page(local_quickstart):
    page = (local_quickstart / "report" / "index.html").read_text()
    funnel = json.loads((local_quickstart / "report" / "funnel.json").read_text())
    assert "Every step of this run completed." in page and _outside_refs(page) == []
    for stage in funnel["stages"]:
        name = stage["stage"]
        assert re.search(rf"<td>{name} in</td>\s*<td>{stage['docs_in']:,}</td>", page)
        for reason, n in stage["dropped"].items():
            link = rf'href="#drop-{name}-{re.escape(reason)}">{re.escape(reason)}</a></td>\s*<td>{n:,}<'
            assert re.search(link, page)
            section = page.split(f'id="drop-{name}-{reason}"')[1].split('<details class="folder"')[0]
            assert 1 <= section.count('<details class="doc"') <= 3
    assert "edu_score (" in page and "min_score 1.6965" in page and "topic_score (" in page
    assert re.search(r"<svg[^>]*>", page) and page.count("<svg") >= 8  # funnel, reasons, 4 scores, languages, dedup
    assert 'href="contamination.html"' in page and "<td>gsm8k</td>" in page
    assert 'src="data:image/png;base64,' in page and "<td>web_rewrites</td>" in page
    assert "name: quickstart" in page and "datatrove" in page


@pytest.mark.llm
def test_the_page_in_headless_chromium(local_quickstart, tmp_path):
    from PIL import Image

    shot, dom, requests = open_in_chromium(local_quickstart / "report" / "index.html", tmp_path, "run_report")
    if os.environ.get("CURATE_SCREENSHOT_DIR"):  # docs/report.md shows it: CURATE_SCREENSHOT_DIR=docs/img
        shutil.copy(shot, Path(os.environ["CURATE_SCREENSHOT_DIR"]) / shot.name)
    assert requests == []
    assert 'id="verdict"' in dom and "Every step of this run completed." in dom
    pixels = np.asarray(Image.open(shot).convert("RGB")).reshape(-1, 3)
    kept_green = np.all(np.abs(pixels.astype(int) - [46, 139, 87]) <= 4, axis=1).sum()  # the funnel's kept bars
    banner = np.all(pixels == [227, 244, 234], axis=1).sum()  # the "completed" banner's background
    assert kept_green > 5000 and banner > 5000
