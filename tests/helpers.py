"""Small helpers for tests: run stages through the real driver and read back what they wrote."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--host-resolver-rules=MAP * ~NOTFOUND"]


def run_pipeline(data: dict, stages: list[str] | None = None):
    """Validate a config mapping and run it with the real driver (LocalPipelineExecutor); returns the funnels."""
    from curate.config import parse_config
    from curate.pipeline import execute, plan_run

    cfg = parse_config(data)
    return execute(cfg, plan_run(cfg, stages))


def read_jsonl_gz(folder: Path, pattern: str = "*.jsonl.gz") -> list[dict]:
    docs = []
    for path in sorted(Path(folder).glob(pattern)):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            docs.extend(json.loads(line) for line in f if line.strip())
    return docs


def kept(out: Path, stage: str) -> list[dict]:
    return read_jsonl_gz(Path(out) / stage)


def rejected(out: Path, stage: str) -> dict[str, list[dict]]:
    """reason -> dropped documents of a stage."""
    root = Path(out) / stage / "rejected"
    if not root.is_dir():
        return {}
    return {d.name: read_jsonl_gz(d) for d in sorted(root.iterdir()) if d.is_dir()}


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("Debian's chromium is needed for this test: apt-get install -y chromium")
    return path


def _page_requests(netlog: Path) -> list[str]:
    """URLs the page asked for (Chromium's own background requests have the initiator 'not an origin')."""
    log = json.loads(netlog.read_text())
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return [e["params"]["url"] for e in log["events"]
            if e["type"] == start and e.get("params", {}).get("initiator") not in (None, "not an origin")]


def open_in_chromium(html_path: Path, tmp_path: Path, name: str, size: str = "1280,1400"):
    """Screenshot, rendered DOM and the page's network requests, from one headless Debian Chromium per call."""
    shot, netlog = tmp_path / f"{name}.png", tmp_path / f"{name}.netlog.json"
    common = [_chromium(), *CHROMIUM_FLAGS, f"--window-size={size}"]
    subprocess.run([*common, f"--user-data-dir={tmp_path / (name + '-p1')}", f"--log-net-log={netlog}",
                    f"--screenshot={shot}", html_path.as_uri()], capture_output=True, timeout=120, check=True)
    dom = subprocess.run([*common, f"--user-data-dir={tmp_path / (name + '-p2')}", "--dump-dom", html_path.as_uri()],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    return shot, dom, _page_requests(netlog)
