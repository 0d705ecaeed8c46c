"""Run a piece of Python in a separate, limited process: the check behind code seeds ("code should execute correctly").

:func:`run_python` writes the program to a fresh temporary folder and runs it there with this interpreter
(``python -I -S``: isolated, standard library only) through :mod:`curate.seeds.sandbox_guard`, never inside the
worker. The child process gets, before it starts:

- kernel limits (``setrlimit``): CPU seconds (SIGXCPU, then SIGKILL), address space (a large allocation raises
  ``MemoryError``), file size (a write past it fails with EFBIG), open files, no core dumps, and no new processes
  (``RLIMIT_NPROC`` 0; the kernel does not apply that one to root, so the guard also refuses process creation);
- a network namespace of its own (``unshare(CLONE_NEWNET)``: no interface but a downed loopback) where the machine
  allows it (root or CAP_SYS_ADMIN); otherwise the guard refuses socket connects, binds, sends and name lookups;
- its own session: when it ends or the wall-clock timeout passes, the whole process group is killed;
- a working folder it may write in (also its HOME and TMPDIR); the guard refuses writes anywhere else.

The result is an :class:`Outcome` whose ``status`` says what stopped the program (``ok``, ``error``, ``timeout``,
``cpu_limit``, ``memory_limit``, ``file_size_limit``, ``refused``, ``killed``) and whose ``error`` quotes it.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from curate.errors import ConfigError
from curate.seeds import sandbox_guard as guard
from curate.seeds.config import SandboxConfig

GUARD = Path(guard.__file__)
CLONE_NEWNET = 0x40000000
_STATUS = {0: "ok", guard.EXIT_MEMORY: "memory_limit", guard.EXIT_REFUSED: "refused",
           guard.EXIT_FILE_SIZE: "file_size_limit"}
_namespaces: bool | None = None  # whether this machine lets us create network namespaces (probed once per process)


@dataclass(frozen=True)
class Outcome:
    status: str  # ok, error, timeout, cpu_limit, memory_limit, file_size_limit, refused, killed
    error: str  # what stopped it: the exception line from stderr, or what the parent saw; "" when ok
    returncode: int | None
    seconds: float
    network: str  # "namespace" or "refuse": how the network was kept out

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def _unshare_network() -> None:
    if ctypes.CDLL(None, use_errno=True).unshare(CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET) refused")


def network_mode(requested: str) -> str:
    """How the network is kept out: ``namespace`` when asked for or (``auto``) when the machine allows it, else
    ``refuse`` (the guard refuses socket calls)."""
    global _namespaces
    if requested == "refuse":
        return "refuse"
    if _namespaces is None:
        try:
            probe = subprocess.run([sys.executable, "-I", "-S", "-c", ""], preexec_fn=_unshare_network, timeout=60,
                                   stdin=subprocess.DEVNULL, capture_output=True)
            _namespaces = probe.returncode == 0
        except (OSError, subprocess.SubprocessError):
            _namespaces = False
    if requested == "namespace" and not _namespaces:
        raise ConfigError("seeds.sandbox.network is `namespace`, but this machine does not allow network namespaces "
                          "(they need root or CAP_SYS_ADMIN); use `auto` or `refuse`")
    return "namespace" if _namespaces else "refuse"


def _child_setup(cfg: SandboxConfig, namespace: bool):
    """The function run in the child between fork and exec: network namespace, then the kernel limits."""
    mb = 1024 * 1024
    limits = [(resource.RLIMIT_CPU, (cfg.cpu_s, cfg.cpu_s + 1)), (resource.RLIMIT_AS, (cfg.memory_mb * mb,) * 2),
              (resource.RLIMIT_FSIZE, (cfg.file_size_mb * mb,) * 2), (resource.RLIMIT_NOFILE, (64, 64)),
              (resource.RLIMIT_CORE, (0, 0)), (resource.RLIMIT_NPROC, (0, 0))]
    libc = ctypes.CDLL(None, use_errno=True)  # loaded before the fork: nothing to load in the child

    def setup() -> None:
        if namespace and libc.unshare(CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET) refused")
        for kind, value in limits:
            resource.setrlimit(kind, value)

    return setup


def _wait_unreaped(pid: int, timeout_s: float) -> bool:
    """Wait for the child to exit without reaping it (its pid, and so its process group id, stay reserved until the
    group is killed); False when the timeout passed first."""
    deadline = time.monotonic() + timeout_s
    pause = 0.002
    while time.monotonic() < deadline:
        if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
            return True
        time.sleep(pause)
        pause = min(pause * 2, 0.05)
    return False


def _last_line(stream) -> str:
    stream.seek(0, os.SEEK_END)
    stream.seek(max(0, stream.tell() - 4096))
    lines = [ln.strip() for ln in stream.read().decode("utf-8", "replace").splitlines() if ln.strip()]
    return lines[-1][:300] if lines else ""


def _classify(returncode: int, timed_out: bool, cfg: SandboxConfig, said: str) -> tuple[str, str]:
    """The status and its explanation; ``said`` is the program's last line of stderr (else of stdout)."""
    if timed_out:
        return "timeout", f"still running after {cfg.timeout_s:g} s (wall clock); killed"
    if returncode == -signal.SIGXCPU:
        return "cpu_limit", f"used up its {cfg.cpu_s} s of CPU time; killed"
    if returncode < 0:
        return "killed", f"killed by signal {signal.Signals(-returncode).name}"
    status = _STATUS.get(returncode, "error")
    return status, "" if status == "ok" else said or f"exit status {returncode}"


def run_python(code: str, cfg: SandboxConfig) -> Outcome:
    """Run ``code`` as a program in the sandbox (see the module docstring); never raises for what the code does."""
    network = network_mode(cfg.network)
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONHASHSEED": "0"}
    with (tempfile.TemporaryDirectory(prefix="curate-sandbox-", ignore_cleanup_errors=True) as work,
          tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err):
        Path(work, "main.py").write_text(code, encoding="utf-8")
        start = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-I", "-S", str(GUARD), work, network], cwd=work,
                                env={**env, "HOME": work, "TMPDIR": work}, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=err, start_new_session=True,
                                preexec_fn=_child_setup(cfg, network == "namespace"))
        try:
            timed_out = not _wait_unreaped(proc.pid, cfg.timeout_s)
        finally:
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # the program and anything it left behind
            except ProcessLookupError:
                pass
            proc.wait()
        seconds = time.monotonic() - start
        status, error = _classify(proc.returncode, timed_out, cfg, _last_line(err) or _last_line(out))
    return Outcome(status, error, proc.returncode, round(seconds, 3), network)
