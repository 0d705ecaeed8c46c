"""The rewrite stage against a real llama.cpp server with SmolLM2-135M-Instruct (small max_tokens, few pages)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.rewrite.rewrite_helpers import PAGES, read_jsonl_gz, run_stage

pytestmark = pytest.mark.llm
ALL_STYLES = ["textbook", "discussion", "reasoning", "diverse_qa", "distill", "extract_knowledge",
              "knowledge_list", "wikipedia"]
METADATA = ("source_id", "style", "prompt_version", "model", "sampling", "prompt_tokens", "completion_tokens",
            "finish_reason")


def one_page(pages: Path, tmp_path: Path, doc_id: str) -> Path:
    out = tmp_path / f"{doc_id}.jsonl"
    out.write_text(next(line for line in pages.read_text().splitlines() if json.loads(line)["id"] == doc_id) + "\n")
    return out


@pytest.mark.slow
def test_every_style_is_generated_validated_and_accounted_for(llm_server, pages, tmp_path):
    page_ids = [json.loads(line)["id"] for line in pages.read_text().splitlines()]
    block = {"styles": ALL_STYLES, "llm": {"endpoint": llm_server.url}, "max_tokens": 200, "temperature": 0.3,
             "seed": 1, "score_key": None, "min_chars": 100}
    funnel = run_stage(tmp_path / "out", [pages], block)
    generated = read_jsonl_gz(tmp_path / "out" / "rewrite" / "_work" / "generated")
    assert sorted(d["id"] for d in generated) == sorted(f"{p}#{s}" for p in page_ids for s in ALL_STYLES)
    assert all(d["metadata"]["rollouts"][0]["usage"]["completion_tokens"] > 0 for d in generated)
    kept = read_jsonl_gz(tmp_path / "out" / "rewrite")
    rejected = read_jsonl_gz(tmp_path / "out" / "rewrite" / "rejected", "*/*.jsonl.gz")
    assert len(page_ids) == 3 and funnel.docs_in == 3 * len(ALL_STYLES)
    assert funnel.kept == len(kept) and funnel.dropped_total == len(rejected)
    assert funnel.unaccounted == 0
    for doc in kept + rejected:
        meta = doc["metadata"]
        assert all(k in meta for k in METADATA), meta.keys()
        assert doc["id"] == f"{meta['source_id']}#{meta['style']}"
        assert meta["prompt_version"] == f"{meta['style']}.v1" and meta["model"] == llm_server.model_name
    for doc in rejected:
        assert doc["metadata"]["filter_reason"] in funnel.dropped
    print("kept:", [d["id"] for d in kept], "dropped:", funnel.dropped)


def test_tiny_max_tokens_gives_truncated_drops(llm_server, pages, tmp_path):
    block = {"styles": ["distill"], "llm": {"endpoint": llm_server.url}, "max_tokens": 4, "min_score": 3}
    funnel = run_stage(tmp_path / "out", [pages], block)
    assert funnel.docs_in == 3 and funnel.dropped == {"truncated": 3} and funnel.kept == 0
    rejected = read_jsonl_gz(tmp_path / "out" / "rewrite" / "rejected" / "truncated")
    assert all(d["metadata"]["finish_reason"] == "length" and d["metadata"]["completion_tokens"] == 4
               for d in rejected)


def test_prompt_over_the_context_is_a_request_error_drop(llm_server, pages, tmp_path):
    text = json.loads(pages.read_text().splitlines()[1])["text"]
    long_page = tmp_path / "long.jsonl"
    long_page.write_text(json.dumps({"id": "long", "text": "\n".join([text] * 30), "edu_score": 5}) + "\n")
    block = {"styles": ["distill"], "llm": {"endpoint": llm_server.url}, "max_tokens": 8, "chars_per_token": 12}
    funnel = run_stage(tmp_path / "out", [long_page], block)
    assert funnel.dropped == {"request_error": 1}
    [doc] = read_jsonl_gz(tmp_path / "out" / "rewrite" / "rejected" / "request_error")
    assert "400" in doc["metadata"]["error"]


def test_a_real_copy_of_the_page_is_dropped_as_echo(llm_server, pages, tmp_path):
    """A test-only style (prompt_dir) asks SmolLM2 to copy the page: greedy output copies most of it verbatim."""
    page = one_page(pages, tmp_path, "jarman-garden")
    block = {"styles": ["verbatim"], "prompt_dir": str(Path(__file__).parent / "prompts"), "score_key": None,
             "llm": {"endpoint": llm_server.url}, "max_tokens": 300, "temperature": 0, "seed": 1,
             "validation": {"max_source_copy": 0.6}}
    funnel = run_stage(tmp_path / "out", [page], block)
    assert funnel.dropped == {"echo": 1}
    [doc] = read_jsonl_gz(tmp_path / "out" / "rewrite" / "rejected" / "echo")
    assert doc["metadata"]["prompt_version"] == "verbatim.v1" and doc["metadata"]["finish_reason"] == "stop"


@pytest.mark.slow
def test_local_servers_per_task_are_started_and_stopped(pages, tmp_path):
    """End to end with LocalPipelineExecutor(tasks=2): each task starts its own llama.cpp server, then stops it."""
    block = {"styles": ["knowledge_list"], "max_tokens": 48, "temperature": 0, "min_score": 3}
    two = tmp_path / "two"
    two.mkdir()
    lines = pages.read_text().splitlines()
    (two / "a.jsonl").write_text(lines[0] + "\n")
    (two / "b.jsonl").write_text(lines[2] + "\n")
    funnel = run_stage(tmp_path / "out", [two], block, tasks=2)
    assert funnel.docs_in == 2 and funnel.unaccounted == 0
    logs = sorted((tmp_path / "out" / "logs" / "rewrite_generate" / "server").glob("llama_server_*.log"))
    assert len(logs) == 2
    for log in logs:
        pid = int(log.read_text().split("pid=")[1].split()[0])
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def _stats(out: Path, group: str) -> dict:
    stats = json.loads((out / "logs" / group / "stats" / "00000.json").read_text())
    return {k: (v["total"] if isinstance(v, dict) else v) for step in stats for k, v in step["stats"].items()}


@pytest.mark.slow
def test_killed_run_resumes_without_regenerating(llm_server, pages, tmp_path):
    out = tmp_path / "out"
    cmd = [sys.executable, "-c", "from curate.cli import app; app()", "rewrite", str(pages), "-o", str(out),
           "--styles", "distill,textbook", "--endpoint", llm_server.url, "--max-tokens", "24", "--tasks", "1"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen(cmd, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    checkpoints = out / "rewrite" / "_work" / "checkpoints" / "00000"
    deadline = time.monotonic() + 240
    done = 0
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            files = list(checkpoints.glob("chunk_*.jsonl"))
            done = sum(len(f.read_text().splitlines()) for f in files)
            if done >= 2:
                break
            time.sleep(0.2)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert done >= 2, "the run finished or stalled before it could be killed"
    funnel = run_stage(out, [pages], {"styles": ["distill", "textbook"], "llm": {"endpoint": llm_server.url},
                                      "max_tokens": 24})
    assert funnel.docs_in == 6 and funnel.unaccounted == 0
    generated = read_jsonl_gz(out / "rewrite" / "_work" / "generated")
    assert sorted(d["id"] for d in generated) == sorted(f"{p}#{s}" for p in PAGES for s in ("distill", "textbook"))
    assert _stats(out, "rewrite_generate")["successful_requests"] <= 6 - done
