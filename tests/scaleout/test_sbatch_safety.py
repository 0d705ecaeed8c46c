"""No shell injection through strings that reach sbatch: unsafe output folders, venv paths and sbatch options are
refused with a clear error before anything is submitted; paths that never reach the job script (input files, any
path on the local executor) work whatever characters they hold."""

from __future__ import annotations

import shutil

import pytest

from curate.config import parse_config
from curate.errors import ConfigError
from curate.slurm import check_sbatch_safe
from tests.scaleout.scaleout_helpers import REPO, curate, derived_config, kept_ids

NASTY = ["with space", "quote'd", "$(touch INJECTED)", "`touch INJECTED`"]


def assert_not_injected(tmp_path) -> None:
    """No `touch INJECTED` ran: not where the test writes, nor in the jobs' working folder (the repository)."""
    assert not list(tmp_path.rglob("INJECTED")) and not (REPO / "INJECTED").exists()


def slurm_cfg(output: str, **slurm):
    return parse_config({"output": output, "executor": {"kind": "slurm", "slurm": slurm}})


@pytest.mark.parametrize("part", NASTY)
def test_unsafe_output_folder_is_refused_before_submission(tmp_path, warc_shards, part):
    out = tmp_path / part / "out"
    config = derived_config(tmp_path / "run.yaml", out, [next(warc_shards.iterdir())], ("extract",), kind="slurm")
    res = curate("run", str(config), check=False)
    assert res.returncode == 2
    assert "output (the run's output folder" in res.stderr and "cannot be passed to sbatch" in res.stderr
    assert "letters, digits" in res.stderr  # says what is allowed
    assert not (out / "logs" / "extract").exists()  # nothing was prepared, nothing submitted
    assert_not_injected(tmp_path)


def test_error_names_the_offending_characters():
    cfg = slurm_cfg("/tmp/a b/$(id)")
    with pytest.raises(ConfigError, match=r"contains a space, '\$', '\(', '\)'"):
        check_sbatch_safe(cfg.executor, cfg.output, ["run.extract"])


@pytest.mark.parametrize(
    ("slurm", "message"),
    [
        ({"sbatch_args": {"constraint": "x\nrm -rf /"}}, "cannot go on an #SBATCH line"),
        ({"sbatch_args": {"comment": "$(reboot)"}}, "cannot go on an #SBATCH line"),
        ({"sbatch_args": {"a b": "1"}}, "is not an sbatch option name"),
        ({"partition": "debug;id"}, "executor.slurm.partition"),
        ({"qos": "normal qos"}, "executor.slurm.qos"),
        ({"logs_folder": "/tmp/slurm logs"}, "executor.slurm.logs_folder"),
        ({"venv_path": "/tmp/$(id)/bin/activate"}, "executor.slurm.venv_path"),
    ],
)
def test_unsafe_slurm_settings_are_refused(slurm, message):
    cfg = slurm_cfg("/tmp/curate-safe-out", **slurm)
    with pytest.raises(ConfigError, match=message):
        check_sbatch_safe(cfg.executor, cfg.output, ["run.extract"])


def test_venv_folder_instead_of_activate_script_is_refused(tmp_path):
    cfg = slurm_cfg("/tmp/curate-safe-out", venv_path=str(tmp_path))
    with pytest.raises(ConfigError, match="must be the venv's activate script"):
        check_sbatch_safe(cfg.executor, cfg.output, ["run.extract"])


def test_safe_settings_pass():
    cfg = slurm_cfg("/scratch/cc-2024_33/run.v1", partition="cpu", qos="high",
                    sbatch_args={"constraint": "skylake|icelake", "account": "data-team"})
    check_sbatch_safe(cfg.executor, cfg.output, ["cc.extract"])


def test_local_run_handles_any_output_path(tmp_path, warc_shards):
    out = tmp_path / "a b 'c' \"d\" $(touch INJECTED) `touch INJECTED`" / "out"
    config = derived_config(tmp_path / "run.yaml", out, [next(warc_shards.iterdir())], ("extract",), tasks=1)
    curate("run", str(config))
    assert kept_ids(out)["extract"]
    assert_not_injected(tmp_path)


@pytest.mark.slurm
def test_slurm_run_handles_unsafe_input_paths(tmp_path, warc_shards, slurm_cluster):
    """Input paths travel inside the pickled pipeline, never through the shell: any name works on Slurm."""
    nasty = tmp_path / "in put 'q' \"d\" $(touch INJECTED) `touch INJECTED`"
    shutil.copytree(warc_shards, nasty)
    out = tmp_path / "out"
    config = derived_config(tmp_path / "run.yaml", out, [nasty], ("extract",), kind="slurm", tasks=2,
                            slurm={"time": "00:20:00", "mem_per_cpu_gb": 1})
    curate("run", str(config))
    local = derived_config(tmp_path / "local.yaml", tmp_path / "local", [warc_shards], ("extract",), tasks=2)
    curate("run", str(local))
    assert kept_ids(out) == kept_ids(tmp_path / "local") and kept_ids(out)["extract"]
    assert_not_injected(tmp_path)
