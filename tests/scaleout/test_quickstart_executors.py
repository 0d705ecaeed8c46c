"""The quickstart, unchanged, on a real Slurm cluster and on Ray: every stage keeps exactly the documents the local
run keeps, and every kept document carries its provenance (the run id and the stage that produced it)."""

from __future__ import annotations

import json

import pytest

from tests.scaleout.scaleout_helpers import QUICKSTART, curate, kept_by_stage, kept_ids


def assert_provenance(out) -> None:
    """Every kept document names its stage and the run's id (the one in the run record, which is the config's)."""
    rid = json.loads((out / "logs" / "curate_run.json").read_text())["run_id"]
    assert rid.startswith("quickstart-")
    for stage, docs in kept_by_stage(out).items():
        assert {d["metadata"].get("curate_stage") for d in docs} == {stage}
        assert {d["metadata"].get("curate_run") for d in docs} == {rid}


def assert_same_as_local(out, local) -> None:
    expected = kept_ids(local)
    assert expected.get("extract"), "the local quickstart kept nothing: the comparison would be empty"
    assert kept_ids(out) == expected
    assert_provenance(out)
    assert_provenance(local)
    status = json.loads(curate("status", str(out), "--json").stdout)
    assert status["groups"] and all(g["state"] == "done" for g in status["groups"])
    funnel = json.loads((out / "report" / "funnel.json").read_text())
    local_funnel = json.loads((local / "report" / "funnel.json").read_text())
    assert [(s["stage"], s["docs_in"], s["kept"]) for s in funnel["stages"]] == \
        [(s["stage"], s["docs_in"], s["kept"]) for s in local_funnel["stages"]]


@pytest.mark.slurm
@pytest.mark.slow
def test_quickstart_on_slurm_keeps_what_the_local_run_keeps(tmp_path, local_quickstart, slurm_cluster):
    out = tmp_path / "slurm"
    res = curate("run", str(QUICKSTART), "-o", str(out), "--executor", "slurm")
    assert "Slurm job array(s)" in res.stdout
    assert_same_as_local(out, local_quickstart)
    script = (out / "logs" / "extract" / "launch_script.slurm").read_text()
    assert "#SBATCH --kill-on-invalid-dep=yes" in script and "/bin/activate" in script


@pytest.mark.slow
def test_quickstart_on_ray_keeps_what_the_local_run_keeps(tmp_path, local_quickstart):
    out = tmp_path / "ray"
    curate("run", str(QUICKSTART), "-o", str(out), "--executor", "ray")
    assert_same_as_local(out, local_quickstart)
    record = json.loads((out / "logs" / "curate_run.json").read_text())
    assert record["executor"] == "ray" and record["finished"] is True
