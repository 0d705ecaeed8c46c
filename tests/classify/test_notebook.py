"""notebooks/train_quality_classifier.ipynb runs top to bottom (nbclient): real LLM annotation, both kinds trained."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient


@pytest.mark.llm
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
    assert "'annotated'" in text or "'dropped'" in text  # annotation counts were printed
    assert len(re.findall(r"\| score: (?:\d|None) \| error:", text)) == 2  # two pages annotated
    table = re.findall(r"^(fasttext|embedding)\s+(0\.\d+|1\.0+)\s+", text, flags=re.M)
    assert {k for k, _ in table} == {"fasttext", "embedding"}
    assert all(float(f1) > 0.5 for _, f1 in table)  # both learned something on held-out pages
    figure = Path(re.search(r"figure: (\S+)", text).group(1))
    assert figure.is_file() and figure.stat().st_size > 10_000
