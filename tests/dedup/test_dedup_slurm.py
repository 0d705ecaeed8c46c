"""The dedup stage on a real single-node Slurm cluster: four sbatch arrays chained with --dependency, the same
decisions as the local executor."""

from __future__ import annotations

import pytest

from tests.dedup.dedup_helpers import rejected_by_id, run_dedup, write_jsonl
from tests.helpers import kept as kept_docs
from tests.helpers import run_pipeline

pytestmark = [pytest.mark.slurm, pytest.mark.slow]


def test_slurm_run_keeps_what_the_local_run_keeps(passages, tmp_path, slurm_cluster):
    for f in range(3):
        docs = [{"id": f"f{f}-{i}", "text": passages[f * 8 + i]} for i in range(8)]
        docs.append({"id": f"f{f}-copy", "text": passages[(f + 1) % 3 * 8].upper()})  # an exact copy in another file
        write_jsonl(tmp_path / "in", f"{f}.jsonl.gz", docs)
    local = run_dedup(tmp_path / "in", tmp_path / "local", tasks=2)

    out = tmp_path / "slurm"
    funnel = run_pipeline({
        "name": "dedup-slurm-test",
        "output": str(out),
        "input": {"paths": [str(tmp_path / "in")], "format": "jsonl"},
        "executor": {"kind": "slurm", "tasks": 3, "slurm": {"partition": slurm_cluster, "time": "00:10:00"}},
        "dedup": {},
    })[0]
    kept = {d["id"] for d in kept_docs(out, "dedup")}
    rejected = {i: d["metadata"] for i, d in rejected_by_id(out).items()}

    assert kept == set(local["kept"])
    # same length: the earlier input file survives (0.jsonl.gz before 1.jsonl.gz before 2.jsonl.gz)
    expected = {"f1-0": "f0-copy", "f2-0": "f1-copy", "f2-copy": "f0-0"}
    assert {i: m["duplicate_of"] for i, m in rejected.items()} == expected
    assert {i: d["metadata"]["duplicate_of"] for i, d in local["rejected"].items()} == expected
    assert funnel.docs_in == 27 == funnel.kept + funnel.dropped_total
    assert (out / "report" / "dedup.json").is_file()
    assert len(list((out / "logs").glob("dedup_*"))) == 4  # one logging folder (one sbatch array) per step
