"""The code sandbox: what runs wild is stopped and reported, and the calling process carries on.

Each program runs in a real child process under the real limits (no mocks); the limits are set low so each test
takes about a second.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from curate.errors import ConfigError
from curate.seeds.config import SandboxConfig
from curate.seeds.sandbox import GUARD, network_mode, run_python

# the wall-clock timeout is far above the CPU limit, so a busy machine (a slow CPU second) cannot turn the CPU
# limit into a timeout
FAST = SandboxConfig(timeout_s=60, cpu_s=1, memory_mb=256, file_size_mb=1)


def leftover_processes() -> list[int]:
    """Processes still running this tree's sandbox guard (none once run_python has returned)."""
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and str(GUARD).encode() in (entry / "cmdline").read_bytes():
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


def test_a_correct_program_runs(tmp_path):
    outcome = run_python("def square(x):\n    return x * x\n\nassert square(7) == 49\nprint('done')\n", FAST)
    assert outcome.ok and outcome.error == "" and outcome.returncode == 0


def test_an_infinite_loop_is_stopped_by_the_cpu_limit():
    outcome = run_python("while True:\n    pass\n", FAST)
    assert outcome.status == "cpu_limit" and "CPU time" in outcome.error
    assert not leftover_processes()


def test_a_sleeping_program_is_stopped_by_the_wall_clock_timeout():
    outcome = run_python("import time\nwhile True:\n    time.sleep(0.1)\n", SandboxConfig(timeout_s=1, cpu_s=5))
    assert outcome.status == "timeout" and outcome.seconds >= 1
    assert not leftover_processes()


@pytest.mark.parametrize("bomb", [
    "import os\nwhile True:\n    os.fork()\n",
    "import subprocess\nwhile True:\n    subprocess.Popen(['python3', '-c', 'pass'])\n",
    "import multiprocessing\nwhile True:\n    multiprocessing.Process(target=print).start()\n",
])
def test_a_fork_bomb_is_refused(bomb):
    outcome = run_python(bomb, FAST)
    assert outcome.status == "refused", outcome
    assert "refused by the sandbox" in outcome.error
    assert not leftover_processes()


def test_a_10_gb_allocation_fails_with_memory_error():
    outcome = run_python("block = bytearray(10 * 1024 ** 3)\n", FAST)
    assert outcome.status == "memory_limit" and outcome.error == "MemoryError"


def test_writing_outside_the_working_folder_is_refused_and_nothing_is_written(tmp_path):
    target = tmp_path / "escaped.txt"
    outcome = run_python(f"open({str(target)!r}, 'w').write('x')\n", FAST)
    assert outcome.status == "refused" and str(target) in outcome.error
    assert not target.exists()
    # renaming into, or removing, files outside is refused too; the working folder itself is writable
    victim = tmp_path / "keep.txt"
    victim.write_text("keep")
    outcome = run_python(f"import os\nopen('mine.txt', 'w').write('ok')\nos.remove({str(victim)!r})\n", FAST)
    assert outcome.status == "refused" and victim.read_text() == "keep"


def test_a_file_past_the_size_limit_fails():
    outcome = run_python("open('big.bin', 'wb').write(b'x' * (4 * 1024 * 1024))\n", FAST)
    assert outcome.status == "file_size_limit" and "File too large" in outcome.error


@pytest.mark.parametrize("network", ["auto", "refuse"])
def test_opening_a_socket_reaches_nothing(network):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.setblocking(False)
        port = listener.getsockname()[1]
        code = f"import socket\ns = socket.socket()\ns.settimeout(2)\ns.connect(('127.0.0.1', {port}))\n"
        outcome = run_python(code, SandboxConfig(timeout_s=5, network=network))
        with pytest.raises(BlockingIOError):
            listener.accept()  # no connection ever arrived
    assert not outcome.ok
    if outcome.network == "namespace":  # its own network namespace: no route, even to loopback
        assert outcome.status == "error" and "Network is unreachable" in outcome.error
    else:
        assert outcome.status == "refused" and "network access" in outcome.error


def test_this_machine_gives_namespaces_to_root():
    # CI and the development machine run as root: the network is kept out by a namespace, not only refused
    if os.geteuid() == 0:
        assert network_mode("auto") == "namespace"
    assert network_mode("refuse") == "refuse"


def test_a_namespace_the_machine_cannot_give_is_a_config_error(monkeypatch):
    import curate.seeds.sandbox as sandbox

    monkeypatch.setattr(sandbox, "_namespaces", False)  # as on a machine without CAP_SYS_ADMIN
    with pytest.raises(ConfigError, match="does not allow network namespaces"):
        network_mode("namespace")
    assert network_mode("auto") == "refuse"


def test_the_caller_survives_every_failure_and_keeps_working():
    statuses = [run_python(code, FAST).status for code in (
        "raise SystemExit(3)", "import ctypes", "x = [0] * (10 ** 10)", "1 / 0")]
    assert statuses == ["error", "refused", "memory_limit", "error"]
    assert run_python("print(sum(range(10)))", FAST).ok
    assert not leftover_processes()
