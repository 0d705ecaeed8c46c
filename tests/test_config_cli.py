"""Config validation errors name the key, the bad value and what is allowed; the CLI stops before launching."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from curate.config import load_config
from curate.errors import ConfigError
from curate.pipeline import describe, plan_run, run_id


def write(tmp_path, data: dict):
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def base(tmp_path) -> dict:
    (tmp_path / "in").mkdir(exist_ok=True)
    return {"output": "out", "input": {"paths": ["in"]}, "extract": {}}


def error_of(tmp_path, data: dict) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, data))
    return str(info.value)


def test_relative_paths_resolve_against_the_config_folder(tmp_path):
    cfg = load_config(write(tmp_path, base(tmp_path)))
    assert cfg.output == str(tmp_path / "out")
    assert cfg.input.paths == [str(tmp_path / "in")]


def test_unknown_key_is_named(tmp_path):
    data = base(tmp_path) | {"extract": {"trafilatura": {"include_tabels": True}}}
    msg = error_of(tmp_path, data)
    assert "extract.trafilatura.include_tabels" in msg and "unknown key" in msg


def test_bad_choice_lists_the_allowed_values(tmp_path):
    msg = error_of(tmp_path, base(tmp_path) | {"executor": {"kind": "kubernetes"}})
    assert "executor.kind" in msg and "'kubernetes'" in msg and "'local'" in msg and "'slurm'" in msg


def test_unknown_filter_name(tmp_path):
    msg = error_of(tmp_path, base(tmp_path) | {"extract": {"filters": [{"name": "gopher"}]}})
    assert "extract.filters.0" in msg and "gopher_quality" in msg and "'gopher'" in msg


def test_bad_number_and_type(tmp_path):
    msg = error_of(tmp_path, base(tmp_path) | {"executor": {"tasks": 0, "workers": "many"}})
    assert "executor.tasks" in msg and "greater than or equal to 1" in msg
    assert "executor.workers" in msg and "'many'" in msg


def test_missing_input_path_and_output(tmp_path):
    msg = error_of(tmp_path, {"input": {"paths": ["nowhere"]}, "extract": {}})
    assert "input.paths" in msg and "nowhere" in msg and "output" in msg


def test_not_yaml_and_not_a_mapping(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("output: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(path)
    path.write_text("- a list\n")
    with pytest.raises(ConfigError, match="must hold a mapping"):
        load_config(path)


def test_no_stage_block_and_unknown_stage_selection(tmp_path):
    data = base(tmp_path)
    data.pop("extract")
    with pytest.raises(ConfigError, match="no stage block"):
        plan_run(load_config(write(tmp_path, data)))
    with pytest.raises(ConfigError, match="--stages names nope"):
        plan_run(load_config(write(tmp_path, base(tmp_path))), ["nope"])


def test_run_id_ignores_the_executor(tmp_path):
    a = load_config(write(tmp_path, base(tmp_path)))
    b = load_config(write(tmp_path, base(tmp_path) | {"executor": {"kind": "slurm", "tasks": 64}}))
    assert run_id(a) == run_id(b) and run_id(a).startswith("curate-")


def test_dry_run_describes_the_steps(tmp_path):
    cfg = load_config(write(tmp_path, base(tmp_path)))
    text = describe(cfg, plan_run(cfg))
    for expected in ("input reader", "trafilatura", "language id", "gopher_quality", "fineweb", "keep", "2 task(s)"):
        assert expected in text


def curate(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "curate", *args], capture_output=True, text=True, cwd=cwd)


def test_cli_validate_and_errors(tmp_path, repo_root):
    ok = curate("validate", str(repo_root / "configs" / "quickstart.yaml"))
    assert ok.returncode == 0, ok.stderr
    assert "valid" in ok.stdout and "extract" in ok.stdout
    bad = curate("validate", str(write(tmp_path, base(tmp_path) | {"executor": {"kind": "k8s"}})))
    assert bad.returncode == 2
    assert "executor.kind" in bad.stderr and "Traceback" not in bad.stderr
    missing = curate("run", str(tmp_path / "none.yaml"))
    assert missing.returncode == 2 and "config file not found" in missing.stderr


def test_cli_dry_run_runs_nothing(tmp_path, repo_root):
    res = curate("run", str(repo_root / "configs" / "quickstart.yaml"), "--dry-run", "-o", str(tmp_path / "o"),
                 "--tasks", "3")
    assert res.returncode == 0, res.stderr
    assert "# resolved config" in res.stdout and "3 task(s)" in res.stdout
    assert not (tmp_path / "o").exists()


def test_cli_extract_dry_run_and_bad_option(tmp_path, shared_data):
    warc = shared_data / "commoncrawl-whirlwind" / "whirlwind.warc.gz"
    res = curate("extract", str(warc), "-o", str(tmp_path / "o"), "--filters", "url,c4", "--dry-run")
    assert res.returncode == 0, res.stderr
    assert "url (" in res.stdout and "c4 (" in res.stdout and "gopher" not in res.stdout
    bad = curate("extract", str(warc), "-o", str(tmp_path / "o"), "--filters", "c5")
    assert bad.returncode == 2 and "extract.filters.0" in bad.stderr
    gone = curate("extract", str(tmp_path / "missing.warc"), "-o", str(tmp_path / "o"))
    assert gone.returncode == 2 and "input path(s) not found" in gone.stderr


def test_help_is_fast():
    import time

    start = time.perf_counter()
    res = curate("--help")
    assert res.returncode == 0 and "extract" in res.stdout
    # not a timing assertion on the product: a guard that --help imports no heavy module
    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "curate", "--help"], capture_output=True, text=True)
    modules = ("torch", "datatrove", "trafilatura", "polars", "sentence_transformers")
    heavy = [m for m in modules if f" {m}\n" in out.stderr or f"| {m}\n" in out.stderr]
    assert heavy == [], f"--help imported {heavy} ({time.perf_counter() - start:.1f}s)"
