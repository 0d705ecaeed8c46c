"""On a real Slurm cluster: one task made to fail is reported by `curate status` with its logs, the dependent steps
are cancelled instead of pending forever, and the re-run resubmits only that rank and completes the outputs."""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from tests.scaleout.scaleout_helpers import curate, derived_config, kept_ids
from tests.scaleout.test_resume import fault_stages

SLURM = {"time": "00:20:00", "mem_per_cpu_gb": 1}


@pytest.mark.slurm
def test_failed_task_reported_then_only_its_rank_resubmitted(tmp_path, warc_shards, slurm_cluster):
    stages = fault_stages()
    local = derived_config(tmp_path / "local.yaml", tmp_path / "local", [warc_shards], stages, tasks=2)
    curate("run", str(local))
    out = tmp_path / "slurm"
    config = derived_config(tmp_path / "slurm.yaml", out, [warc_shards], stages, kind="slurm", tasks=2,
                            slurm={**SLURM, "partition": slurm_cluster})
    blocker = out / "extract" / "00001.jsonl.gz"
    blocker.mkdir(parents=True)  # rank 1 of extract cannot write what it keeps: a real failure inside the job

    res = curate("run", str(config), check=False)
    assert res.returncode == 2, res.stdout + res.stderr
    assert "step extract: 1 of 2 task(s) did not complete" in res.stderr
    task_log = out / "logs" / "extract" / "logs" / "task_00001.log"
    assert str(task_log) in res.stderr

    text = curate("status", str(out)).stdout
    assert "FAILED extract rank 1: IsADirectoryError" in text and str(task_log) in text
    status = json.loads(curate("status", str(out), "--json").stdout)
    groups = {g["group"]: g for g in status["groups"]}
    extract = groups.pop("extract")
    assert (extract["done"], extract["state"]) == (1, "failed")
    (failure,) = extract["failed"]
    assert failure["rank"] == 1 and str(task_log) in failure["logs"]
    assert any(p.endswith(f"{extract['job_id']}_1.out") for p in failure["logs"])  # sbatch's own log of the task
    for name, g in groups.items():  # cancelled by kill-on-invalid-dep, never started
        assert (g["done"], g["failed"], g["state"]) == (0, [], "pending"), name

    blocker.rmdir()  # fix the cause, then the same command again
    rerun = curate("run", str(config))
    assert json.loads((out / "logs" / "extract" / "ranks_to_run.json").read_text()) == [1]
    assert "#SBATCH --array=0-0" in (out / "logs" / "extract" / "launch_script.slurm").read_text()
    assert "extract=" in rerun.stdout  # resubmitted (with its one rank), the downstream steps with all of theirs
    for name in groups:
        ranks = json.loads((out / "logs" / name / "ranks_to_run.json").read_text())
        assert ranks == list(range(groups[name]["tasks"])), name
    assert kept_ids(out) == kept_ids(tmp_path / "local")
    status = json.loads(curate("status", str(out), "--json").stdout)
    assert all(g["state"] == "done" for g in status["groups"])


@pytest.mark.slurm
def test_submit_without_waiting_then_rerun_finishes(tmp_path, warc_shards, slurm_cluster):
    """`wait: false` returns right after sbatch; a second driver is refused while the jobs are queued; once they
    are done, running again (waiting this time) submits no completed step and writes the funnel."""
    out = tmp_path / "out"
    config = derived_config(tmp_path / "run.yaml", out, [warc_shards], fault_stages(), kind="slurm", tasks=2,
                            slurm={**SLURM, "wait": False})
    first = curate("run", str(config))
    assert "submitted; follow with `curate status" in first.stdout
    assert not (out / "report" / "funnel.json").exists()
    busy = curate("run", str(config), check=False)
    assert busy.returncode == 2 and "are still queued or running" in busy.stderr
    status = json.loads(curate("status", str(out), "--json").stdout)
    assert sum(g["done"] + g["running"] + g["pending"] for g in status["groups"]) == \
        sum(g["tasks"] for g in status["groups"])
    ids = [g["job_id"] for g in status["run"]["groups"] if g["job_id"]]
    deadline = time.monotonic() + 900
    while subprocess.run(["squeue", "-h", "-j", ",".join(ids)], capture_output=True, text=True).stdout.strip():
        assert time.monotonic() < deadline, "the jobs never left the queue"
        time.sleep(2)
    waiting = derived_config(tmp_path / "wait.yaml", out, [warc_shards], fault_stages(), kind="slurm", tasks=2,
                             slurm=SLURM)  # the same run (the executor block is not part of the run id), waiting
    final = curate("run", str(waiting))
    # extract is not submitted again; the mixture step is named after its input files' fingerprint, which changed
    # when extract wrote them, so it counts again (from its per-file cache)
    assert "already complete: extract" in final.stdout and "extract=" not in final.stdout
    assert (out / "report" / "funnel.json").is_file()
    assert all(g["state"] == "done" for g in json.loads(curate("status", str(out), "--json").stdout)["groups"])
