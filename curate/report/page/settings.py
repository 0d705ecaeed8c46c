"""The run's settings as the page shows them: resolved config, package versions, git revision.

``report/run_settings.json`` is written when a run starts (and by ``curate report OUT --config CONFIG``), so the page
of a run, even one killed mid-way, shows the config and versions it ran with when it is rebuilt later.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from curate.classify.sources import default_name
from curate.errors import CurateError
from curate.mixture.manifest import git_revision

SETTINGS_FILE = Path("report") / "run_settings.json"
PACKAGES = ("curate", "datatrove", "trafilatura", "py3langid", "fasttext-wheel", "datasketch", "numpy", "polars",
            "torch", "sentence-transformers", "tokenizers", "tiktoken", "llama-cpp-python", "pydantic")


def environment() -> dict:
    """The Python version, the installed versions of the packages a run depends on, and curate's git revision."""
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "not installed"
    return {"versions": versions, "git_revision": git_revision()}


def write_settings(output: Path, config: dict) -> Path:
    """Record the resolved ``config`` (a RunConfig dumped to JSON types) and the environment beside the report."""
    path = Path(output) / SETTINGS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    path.write_text(json.dumps({"recorded": now, "config": config, **environment()}, indent=2))
    return path


def read_settings(output: Path) -> dict | None:
    path = Path(output) / SETTINGS_FILE
    return json.loads(path.read_text()) if path.is_file() else None


def score_thresholds(config: dict | None) -> dict[str, float]:
    """Classifier name -> the ``min_score`` the run's score block gave it (classifiers without one are absent).
    A classifier folder that cannot be read any more is left out: its histogram then has no threshold line. The name
    is the entry's ``name``, else its default (a recipe's name, a published model's file or folder name)."""
    out = {}
    for ref in ((config or {}).get("score") or {}).get("classifiers", []):
        if ref.get("min_score") is None:
            continue
        try:
            out[ref.get("name") or default_name(ref["path"])] = float(ref["min_score"])
        except CurateError:
            continue
    return out
