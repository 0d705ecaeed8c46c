"""A real S3-compatible server for the test session: moto in server mode on loopback.

``s3_server`` starts ``moto_server -H 127.0.0.1 -p PORT`` on a free port, waits until it answers, points the standard
AWS environment variables at it (a fake key pair whose secret is unique to the session, so a test can grep for it),
and stops the server, by its own pid, at the end of the session. ``MotoServer`` also starts throwaway servers for the
tests that stop one mid-way or turn authentication on (``auth=True``: moto then refuses keys it never issued).
:class:`CutProxy` is a TCP relay in front of a server that a test can cut, and reopen on the same port, to lose the
connection in the middle of a run while the server keeps the bucket.
Import the fixture into a conftest: ``from tests.s3.fixture import s3_server``.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

SECRET = f"curate-test-secret-{secrets.token_hex(8)}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MotoServer:
    """One ``moto_server`` process on a free loopback port."""

    def __init__(self, log: Path, auth: bool = False):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        binary = shutil.which("moto_server", path=str(Path(sys.executable).parent)) or shutil.which("moto_server")
        if binary is None:
            pytest.fail('moto_server not found: pip install "moto[server]" (the test extra)')
        env = dict(os.environ) | ({"INITIAL_NO_AUTH_ACTION_COUNT": "0"} if auth else {})
        self._log = open(log, "wb")
        self.proc = subprocess.Popen([binary, "-H", "127.0.0.1", "-p", str(self.port)], stdout=self._log,
                                     stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 60
        while not self.answers():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"moto_server did not start; see {log}")
            time.sleep(0.2)

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


class CutProxy:
    """A loopback TCP relay to ``port``: :meth:`cut` closes its listening socket and every relayed connection (the
    client then sees refused and reset connections), :meth:`reopen` listens again on the same port."""

    def __init__(self, port: int):
        self.target, self.port = port, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        self.reopen()

    def reopen(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, args=(self._listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
                upstream = socket.create_connection(("127.0.0.1", self.target))
            except OSError:
                return  # cut
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for sock in (src, dst):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self) -> None:
        try:  # wakes the thread blocked in accept(); a bare close() may leave the kernel's socket listening, and
            self._listener.shutdown(socket.SHUT_RDWR)  # new connections would then hang instead of being refused
        except OSError:
            pass
        self._listener.close()
        with self._lock:
            conns, self._conns = self._conns, []
        for sock in conns:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()


def s3_env(endpoint: str | None) -> dict[str, str]:
    """The standard AWS variables for a moto server (no endpoint: leave it to the config's storage block)."""
    env = {"AWS_ACCESS_KEY_ID": "curate-test-key", "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_DEFAULT_REGION": "us-east-1"}
    return env | ({"AWS_ENDPOINT_URL": endpoint} if endpoint else {})


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """The session's moto server, with the AWS environment of this process pointing at it; stopped at the end."""
    server = MotoServer(tmp_path_factory.mktemp("moto") / "moto_server.log")
    saved = {k: os.environ.get(k) for k in s3_env(server.url)}
    os.environ.update(s3_env(server.url))
    try:
        yield server
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        server.stop()
    assert server.proc.poll() is not None
