"""`curate status` without a run, and the refusal to start a second driver on an output folder in use."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

from curate.status import RUN_RECORD
from tests.scaleout.scaleout_helpers import curate, derived_config


def test_status_of_a_folder_without_a_run_says_so(tmp_path):
    res = curate("status", str(tmp_path), check=False)
    assert res.returncode == 2 and "holds no run record" in res.stderr


def test_second_driver_on_the_same_output_is_refused(tmp_path, warc_shards):
    out = tmp_path / "out"
    config = derived_config(tmp_path / "run.yaml", out, [warc_shards], ("extract",), tasks=1)
    driver = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", "curate", "run"])
    try:
        record = {"name": "quickstart", "executor": "local", "host": socket.gethostname(), "pid": driver.pid,
                  "finished": False, "groups": []}
        (out / RUN_RECORD).parent.mkdir(parents=True)
        (out / RUN_RECORD).write_text(json.dumps(record))
        res = curate("run", str(config), check=False)
        assert res.returncode == 2 and f"is still going (pid {driver.pid}" in res.stderr
        assert not (out / "extract").exists()
    finally:
        driver.kill()
        driver.wait()
    curate("run", str(config))  # the driver is gone: the run starts
    assert json.loads((out / RUN_RECORD).read_text())["finished"] is True
