"""A real single-node Slurm cluster for the test session (munged + slurmctld + slurmd on localhost).

``slurm_cluster`` starts it with ``tests/cluster/start.sh`` (which installs the Debian packages if they are missing,
writes /etc/slurm/slurm.conf from ``slurm.conf.template`` and the machine's real hardware, and waits until the node
is idle), and stops it at the end of the session with ``stop.sh``, which stops exactly the daemons ``start.sh``
recorded, and leaves the cluster running while another session's jobs are still queued. A cluster that already
answers when the session begins is used as it is and left running; so is any cluster when ``CURATE_SLURM_KEEP=1``
(several test sessions sharing one machine).
Import the fixture into a conftest: ``from tests.cluster.fixture import slurm_cluster``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from curate.slurm import default_partition

HERE = Path(__file__).resolve().parent
STATE_DIR = os.environ.get("CURATE_SLURM_STATE_DIR", "/run/curate-slurm")


def cluster_answers() -> bool:
    """True when a controller answers and a node is idle (or busy) in some partition."""
    if shutil.which("scontrol") is None:
        return False
    ping = subprocess.run(["scontrol", "ping"], capture_output=True, text=True)
    if "UP" not in ping.stdout:
        return False
    nodes = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True).stdout.split()
    return any(state.startswith(("idle", "mix", "alloc")) for state in nodes)


@pytest.fixture(scope="session")
def slurm_cluster():
    """The default partition of a running single-node Slurm cluster; started (and stopped) here if needed."""
    started = False
    if not cluster_answers():
        if os.geteuid() != 0:
            pytest.fail("the Slurm tests start a local cluster, which needs root (run them as root, or deselect them "
                        "with -m 'not slurm')")
        env = {**os.environ, "CURATE_SLURM_STATE_DIR": STATE_DIR}
        res = subprocess.run(["bash", str(HERE / "start.sh")], capture_output=True, text=True, env=env, timeout=600)
        if res.returncode != 0:
            pytest.fail(f"tests/cluster/start.sh failed:\n{res.stdout}\n{res.stderr}")
        started = True
    try:
        yield default_partition()
    finally:
        if started and os.environ.get("CURATE_SLURM_KEEP") != "1":
            subprocess.run(["bash", str(HERE / "stop.sh")], env={**os.environ, "CURATE_SLURM_STATE_DIR": STATE_DIR},
                           capture_output=True, timeout=120)
