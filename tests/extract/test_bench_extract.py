"""bench/extract.py: its runs take the pages in turns, and the whole script runs on a few real pages."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import time

import pytest


@pytest.fixture(scope="module")
def bench(repo_root):
    spec = importlib.util.spec_from_file_location("bench_extract", repo_root / "bench" / "extract.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_runs_take_each_page_in_turns_and_count_their_own_cpu(bench):
    seen = []

    def body(name: str, pages: int, spin_s: float):
        def run(wait) -> None:
            for page in range(pages):
                wait()
                seen.append((name, page))
                end = time.thread_time() + spin_s  # CPU work, on this thread's clock
                while time.thread_time() < end:
                    pass
        return run

    turns = [bench.Turn("a", body("a", 4, 0.002)), bench.Turn("b", body("b", 4, 0.02)),
             bench.Turn("c", body("c", 2, 0.0))]
    bench.lockstep(turns)
    # page 0 in order, page 1 in reverse order, ...; a run that has finished drops out
    assert seen == [("a", 0), ("b", 0), ("c", 0), ("c", 1), ("b", 1), ("a", 1),
                    ("a", 2), ("b", 2), ("b", 3), ("a", 3)]
    a, b, _ = turns
    # each run's CPU after its first page is its own three pages of spinning, not the other runs'
    assert 3 * 0.002 <= a.cpu < 3 * 0.02
    assert 3 * 0.02 <= b.cpu < 3 * 0.02 + 0.05


def test_a_failing_run_fails_the_benchmark(bench):
    def broken(wait) -> None:
        wait()
        raise RuntimeError("extractor exploded")

    def fine(wait) -> None:
        for _ in range(3):
            wait()

    with pytest.raises(RuntimeError, match="exploded"):
        bench.lockstep([bench.Turn("fine", fine), bench.Turn("broken", broken)])


@pytest.mark.slow
def test_the_benchmark_runs_on_a_few_real_pages(repo_root, shared_data):
    res = subprocess.run([sys.executable, str(repo_root / "bench" / "extract.py"), "--data", str(shared_data),
                          "--pages", "8", "--warmup", "3", "--rounds", "1"],
                         capture_output=True, text=True, cwd=repo_root, timeout=900)
    assert res.returncode == 0, res.stderr[-3000:]
    out = res.stdout
    assert "kept-text F1 minus trafilatura's" in out
    rates = re.findall(r"^(.+?)\s+(\d+\.\d)\s+start-up\s+(-?\d+\.\d) CPU-s$", out, re.M)
    assert len(rates) == 7 and all(float(rate) > 0 for _, rate, _ in rates)
    assert re.search(r"^curate defaults / plain trafilatura loop\s+\d+\.\d\d", out, re.M)
    assert re.search(r"^curate, 5 filters on every page / datatrove's pipeline, same work\s+\d+\.\d\d", out, re.M)
