"""The console of a run: short when redirected, live bars on a terminal, -q and -v, datatrove's logs kept aside."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import write_jsonl

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def pages(tmp_path):
    """A few documents with one exact duplicate, for a quick single-stage run."""
    texts = [f"page {i}: " + " ".join(f"word{i}x{j}" for j in range(40)) for i in range(6)]
    records = [{"id": f"d{i}", "text": t} for i, t in enumerate(texts + texts[:1])]
    return write_jsonl(tmp_path / "in" / "docs.jsonl", records)


def curate(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "curate", *map(str, args)], capture_output=True, text=True, cwd=REPO,
                          **kwargs)


def test_the_quickstart_redirected_prints_at_most_60_lines(local_quickstart):
    printed = (local_quickstart.parent / "console.txt").read_text().splitlines()
    assert 10 < len(printed) <= 60, "\n".join(printed)
    text = "\n".join(printed)
    assert "stage / reason" in text and "run report written to" in text  # the funnel, then where things are
    for stage in ("extract", "dedup", "score", "decontam", "rewrite", "mixture"):
        assert f"{stage}: done in" in text  # one plain progress line per stage at least (no terminal)
    assert "Stats:" not in text and "PIPELINE" not in text  # datatrove's banners went to logs/console.log
    assert "PIPELINE" in (local_quickstart / "logs" / "console.log").read_text()


def test_a_terminal_gets_live_progress_bars(pages, tmp_path):
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "curate", "dedup", str(pages), "-o", str(tmp_path / "out")],
                            stdout=follower, stderr=follower, cwd=REPO, env={**os.environ, "COLUMNS": "120"})
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert proc.wait(timeout=300) == 0
    screen = b"".join(chunks).decode(errors="replace")
    assert "━" in screen and "100%" in screen and "tasks 7/7" in screen  # rich's bar, complete, every task
    assert "\r" in screen or "\x1b[" in screen  # redrawn in place
    assert "Stats:" not in screen and "removed: 1 exact duplicates" in screen


def test_quiet_prints_only_the_final_summary(pages, tmp_path):
    res = curate("dedup", pages, "-o", tmp_path / "out", "-q")
    assert res.returncode == 0, res.stderr
    assert "dedup: done" not in res.stdout and "removed:" not in res.stdout
    assert "stage / reason" in res.stdout and "funnel.json" in res.stdout


def test_verbose_shows_datatrove_logs_live(pages, tmp_path):
    res = curate("dedup", pages, "-o", tmp_path / "out", "-v")
    assert res.returncode == 0, res.stderr
    assert "PIPELINE" in res.stderr and not (tmp_path / "out" / "logs" / "console.log").exists()
