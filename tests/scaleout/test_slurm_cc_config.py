"""configs/slurm-cc.yaml, the production-style Common Crawl config, stays valid as the stages evolve."""

from __future__ import annotations

import re

from curate.config import load_config
from curate.slurm import check_sbatch_safe
from tests.scaleout.scaleout_helpers import REPO, curate

CONFIG = REPO / "configs" / "slurm-cc.yaml"


def test_curate_validate_accepts_the_slurm_cc_config():
    res = curate("validate", str(CONFIG))
    assert "valid; stages: extract, dedup, score, decontam, rewrite, mixture; executor: slurm" in res.stdout


def test_slurm_cc_config_is_production_sized_and_safe_for_sbatch():
    cfg = load_config(CONFIG)
    assert cfg.executor.kind == "slurm" and cfg.executor.tasks >= 1000 and cfg.executor.workers >= 100
    assert cfg.executor.slurm.partition and cfg.executor.slurm.time
    check_sbatch_safe(cfg.executor, cfg.output, [f"{cfg.name}.extract"])
    plan = curate("run", str(CONFIG), "--dry-run").stdout
    assert f"extract: slurm executor, {cfg.executor.tasks} task(s)" in plan
    assert re.search(r"dedup_clusters\S*: slurm executor, 1 task\(s\)", plan)
