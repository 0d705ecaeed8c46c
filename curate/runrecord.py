"""The run record, ``<out>/logs/curate_run.json``: what a ``curate run`` submitted, read by ``curate status``.

It holds the executor, the step groups with their task counts and logging folders, the Slurm job ids, when they were
submitted, and the driver's host and pid (to tell a live run from a dead one).
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

from curate.jsonio import write_json_atomic

RUN_RECORD = Path("logs") / "curate_run.json"


def write_run_record(output: Path, record: dict) -> Path:
    """Write (replace) the run record that ``curate status`` reads."""
    return write_json_atomic(Path(output) / RUN_RECORD, record, indent=2)


def read_run_record(output: Path) -> dict | None:
    path = Path(output) / RUN_RECORD
    return json.loads(path.read_text()) if path.is_file() else None


def mark_finished(output: Path) -> None:
    """Mark this process's run as finished (a later run into the same folder may start)."""
    record = read_run_record(output)
    if record is not None and record.get("pid") == os.getpid() and not record.get("finished"):
        write_run_record(output, record | {"finished": True})


def driver_alive(record: dict) -> bool:
    """Whether the process that ran ``curate run`` for this record is still running (on this host)."""
    if record.get("finished") or record.get("host") != socket.gethostname():
        return False
    try:
        pid = int(record["pid"])
        os.kill(pid, 0)
    except (OSError, KeyError, ValueError):
        return False
    try:  # a reused pid belongs to another program: only a process that mentions curate counts
        return pid == os.getpid() or b"curate" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True
