"""Resume after a crash: a local run SIGKILLed in the middle of a stage, then re-run with the same command, ends
with exactly the outputs of an uninterrupted run (same documents kept, same drops, no id twice)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.scaleout.scaleout_helpers import QUICKSTART, REPO, curate, derived_config, kept_by_stage, rejected_ids

# the quickstart's deterministic stages, small enough to run three times (mixture: a step after the failing one)
FAULT_STAGES = ("extract", "dedup", "mixture")


def fault_stages() -> tuple[str, ...]:
    configured = yaml.safe_load(QUICKSTART.read_text())
    return tuple(s for s in FAULT_STAGES if s in configured)


def snapshot(out: Path) -> dict:
    """Everything a run produced that a resume must reproduce: each stage's kept documents and dropped ids."""
    return {"kept": kept_by_stage(out), "rejected": {s: rejected_ids(out, s) for s in fault_stages()}}


def wait_mid_stage(out: Path, proc: subprocess.Popen, tasks: int, timeout: float = 600) -> None:
    """Wait until the first step has completed at least one task and started another, but not all of them."""
    logs = out / "logs" / fault_stages()[0]
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        done = len(list((logs / "completions").glob("*"))) if (logs / "completions").is_dir() else 0
        started = len(list((logs / "logs").glob("task_*.log"))) if (logs / "logs").is_dir() else 0
        if 1 <= done < tasks and started > done:
            return
        if proc.poll() is not None:
            pytest.fail(f"the run ended before it could be killed (exit {proc.returncode})")
        time.sleep(0.02)
    pytest.fail("the run never reached the middle of its first stage")


@pytest.mark.slow
def test_sigkill_mid_stage_then_rerun_equals_uninterrupted_run(tmp_path, warc_shards):
    tasks = 4
    out = tmp_path / "out"
    config = derived_config(tmp_path / "run.yaml", out, [warc_shards], fault_stages(), tasks=tasks, workers=1)
    curate("run", str(config))
    reference = snapshot(out)
    assert reference["kept"].get("extract"), "the uninterrupted run kept nothing: the comparison would be empty"
    out.rename(tmp_path / "uninterrupted")  # same output path again below: same run id, same provenance

    proc = subprocess.Popen([sys.executable, "-m", "curate", "run", str(config)], cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_mid_stage(out, proc, tasks)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the driver and its workers: a process group this test started
        proc.wait()
    done_before = len(list((out / "logs" / fault_stages()[0] / "completions").glob("*")))
    assert 1 <= done_before < tasks

    console_log = out / "logs" / "console.log"  # datatrove's own messages go there unless --verbose
    seen = console_log.stat().st_size if console_log.exists() else 0
    curate("run", str(config))
    assert f"Skipping {done_before} already completed tasks" in console_log.read_bytes()[seen:].decode(errors="replace")
    resumed = snapshot(out)
    assert resumed == reference
    for stage, docs in resumed["kept"].items():
        ids = [d["id"] for d in docs]
        assert len(ids) == len(set(ids)), f"{stage}: duplicate ids after the resume"
        dropped = [i for ids_ in resumed["rejected"].get(stage, {}).values() for i in ids_]
        assert not set(ids) & set(dropped), f"{stage}: documents both kept and dropped"
    status = json.loads(curate("status", str(out), "--json").stdout)
    assert all(g["state"] == "done" for g in status["groups"])


def test_failed_local_task_is_reported_with_its_log(tmp_path, warc_shards):
    """A task that raises stops the run with a user-facing error naming the rank and its log; `curate status` agrees;
    once the cause is gone, the re-run completes."""
    out = tmp_path / "out"
    config = derived_config(tmp_path / "run.yaml", out, [warc_shards], ("extract",), tasks=2, workers=1)
    blocker = out / "extract" / "00001.jsonl.gz"
    blocker.mkdir(parents=True)  # rank 1 cannot write what it keeps
    res = curate("run", str(config), check=False)
    assert res.returncode == 2
    assert "step extract: 1 of 2 task(s) did not complete" in res.stderr
    assert "rank 1: IsADirectoryError" in res.stderr
    log = out / "logs" / "extract" / "logs" / "task_00001.log"
    assert str(log) in res.stderr
    status = json.loads(curate("status", str(out), "--json").stdout)
    (group,) = status["groups"]
    assert (group["done"], group["state"]) == (1, "failed")
    assert group["failed"][0]["rank"] == 1 and str(log) in group["failed"][0]["logs"]
    blocker.rmdir()
    curate("run", str(config))
    assert json.loads(curate("status", str(out), "--json").stdout)["groups"][0]["state"] == "done"
