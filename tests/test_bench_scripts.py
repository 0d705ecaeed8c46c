"""Every benchmark script in bench/ still runs to its figures, on a small slice of its data.

The benchmarks are one command each (the README's speed and quality tables come from them), but they call the
stages' code the way a user's script would, so a change to a stage's API breaks them without breaking any other
test: three of them did, unnoticed, when the stages moved to the registry. These runs check that each script ends
with status 0 and prints the lines its tables are read from; they assert no figure (timing belongs to the scripts).
bench/extract.py has its own test, beside its timing helpers (tests/extract/test_bench_extract.py).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

# script, its arguments for a small run ({data}: ../shared/data, {work}: the test's scratch folder), the lines its
# output must hold
RUNS = {
    "mixture": (["--mb", "0.3", "--files", "2", "--repeat", "1"],
                ["plain loop (anchor)", "counting step", "re-run, warm cache"]),
    "dedup": (["--docs", "300", "--scaling", "300", "--no-200k", "--sig-docs", "100", "--data", "{data}",
               "--work", "{work}"],
              ["ours vs datatrove:", "ours vs datasketch:", "targets: recall"]),
    "decontam": (["--per-cell", "5", "--rounds", "1", "--data", "{data}"],
                 ["all negatives", "plain 13-gram matcher"]),
    "classify": (["--sections", "published,reasoning", "--docs", "32", "--shared-data", "{data}", "--cache", "{work}"],
                 ["published fastText .bin", "published Hugging Face folder", "held-out source"]),
    "seeds_mining": ([], ["usable, self-contained questions"]),
    "seeds": (["--pages", "3", "--max-tokens", "48", "--rounds", "1"], ["curate seeds stage", "ratio ours / plain"]),
    "rewrite": (["--pages", "1", "--styles", "distill", "--max-tokens", "16", "--rounds", "1"],
                ["curate rewrite stage", "ratio ours / plain"]),
}
LLM = {"seeds", "rewrite"}  # start their own llama.cpp server


@pytest.mark.slow
@pytest.mark.parametrize("script", [pytest.param(s, marks=[pytest.mark.llm] if s in LLM else []) for s in RUNS])
def test_benchmark_script_runs_to_its_figures(script, repo_root, shared_data, tmp_path):
    args, expected = RUNS[script]
    args = [a.format(data=shared_data, work=tmp_path / "work") for a in args]
    res = subprocess.run([sys.executable, str(repo_root / "bench" / f"{script}.py"), *args], cwd=repo_root,
                         capture_output=True, text=True, timeout=900)
    output = f"{res.stdout[-3000:]}\n{res.stderr[-5000:]}"
    assert res.returncode == 0, f"bench/{script}.py failed ({res.returncode}):\n{output}"
    missing = [line for line in expected if line not in res.stdout]
    assert not missing, f"bench/{script}.py printed no {missing}:\n{res.stdout[-3000:]}"
