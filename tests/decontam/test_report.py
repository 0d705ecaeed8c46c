"""The contamination report: rows, summary, the self-contained HTML page, and the page in headless Chromium."""

from __future__ import annotations

import re

import numpy as np

from curate.report.contamination import highlight, load_summary, render_text
from tests.helpers import open_in_chromium


def test_rows_and_summary(report):
    out, rows, summary = report
    assert {r["doc_id"] for r in rows} == {"doc-gsm", "doc-short", "doc-card"}
    units = {r["doc_id"]: r["unit"] for r in rows if r["verdict"] == "contaminated"}
    assert units == {"doc-gsm": "stem", "doc-short": "stem", "doc-card": "stem+answer"}  # the unit that matched
    card = next(r for r in rows if r["doc_id"] == "doc-card")
    assert card["question"] == "At which temperature does water freeze?" and card["answer"] == "0 degrees Celsius"
    assert len(card["options"]) == 4
    by = {s["benchmark"]: s for s in summary}
    assert by["arc"]["units"] == {"stem+answer": 1}
    assert by["gsm8k"]["items_hit"] == 1 and by["gsm8k"]["pct_seen"] == 5.0
    assert by["math500"]["docs_contaminated"] == 1 and by["mmlu"]["items_hit"] == 0
    assert load_summary(out) == summary
    text = render_text(summary)
    assert text.splitlines()[0].split()[:3] == ["benchmark", "items", "items"] and "math500" in text


def test_highlight_escapes_and_marks():
    assert highlight("a <b> c & d", [[2, 5]]) == "a <mark>&lt;b&gt;</mark> c &amp; d"
    assert highlight("xx hello yy", [[103, 108]], offset=100) == "xx <mark>hello</mark> yy"
    assert highlight("abc", [[0, 2], [1, 3]]) == "<mark>ab</mark><mark>c</mark>"


def test_html_is_self_contained(report):
    page = (report[0] / "report" / "contamination.html").read_text()
    for needle in ("src=", "href=", "url(", "@import", "<link", "<iframe", "fetch(", "XMLHttpRequest"):
        assert needle not in page, needle
    assert page.count('<details class="hit"') == 3 and "<svg" in page and "<table>" in page
    assert "matched: the stem with its answer beside it" in page and "stem+answer 1" in page  # hit and table
    assert "Homework &lt;b&gt;tonight&lt;/b&gt;" in page  # document text is escaped, never injected


def test_report_in_headless_chromium(report, tmp_path):
    from PIL import Image

    shot, dom, requests = open_in_chromium(report[0] / "report" / "contamination.html", tmp_path, "report")
    assert requests == []
    assert "3 of 3 hits shown" in dom  # the inline script ran
    assert len(re.findall(r"<tr>", dom)) == 5 and "<mark>" in dom
    pixels = np.asarray(Image.open(shot).convert("RGB")).reshape(-1, 3)
    highlighted = np.all(np.abs(pixels.astype(int) - [255, 224, 102]) <= 6, axis=1).sum()  # <mark> background
    header = np.all(pixels == [240, 242, 245], axis=1).sum()  # the table header row
    assert highlighted > 2000 and header > 2000
    control = tmp_path / "control.html"  # the same check sees a page that does load something
    control.write_text('<html><body><img src="http://example.invalid/x.png"></body></html>')
    assert open_in_chromium(control, tmp_path, "control")[2] == ["http://example.invalid/x.png"]
