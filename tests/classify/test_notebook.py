"""notebooks/train_quality_classifier.ipynb runs top to bottom (nbclient): the edu classifier trained from the real
FineWeb-Edu annotations, cut points by cross-validation, held-out metrics, the score-per-class figure."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient


@pytest.mark.slow
def test_training_notebook_executes(repo_root, shared_data, monkeypatch):
    monkeypatch.setenv("CURATE_SHARED_DATA", str(shared_data))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("PYTHONPATH", str(repo_root))
    nb = nbformat.read(repo_root / "notebooks" / "train_quality_classifier.ipynb", as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(repo_root / "notebooks")}}).execute()
    assert not [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    text = "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    found = re.search(r"binary F1 at >= 3: (\S+) with the cut points, (\S+) with", text)
    cut_f1, rounded_f1 = map(float, found.groups())
    assert cut_f1 > 0.3 and cut_f1 > rounded_f1  # the cut points find the pages that rounding misses
    assert float(re.search(r"Spearman: (\S+)", text).group(1)) > 0.4  # held-out pages ranked with the labels
    cuts = [float(c) for c in re.search(r"cut points \(classes 1..5\): \[([^\]]+)\]", text).group(1).split(",")]
    assert cuts == sorted(cuts) and cuts[2] < 2.5
    assert re.search(r"edu_int: \[\d, \d, \d, \d, \d\]", text)
    figure = Path(re.search(r"figure: (\S+)", text).group(1))
    assert figure.is_file() and figure.stat().st_size > 10_000
