"""notebooks/audit_contamination.ipynb runs top to bottom on a real report (nbclient)."""

from __future__ import annotations

import nbformat
from nbclient import NotebookClient


def test_audit_notebook_executes(report, repo_root, monkeypatch):
    out, rows, _ = report
    monkeypatch.setenv("CURATE_REPORT", str(out / "report"))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(repo_root / "notebooks" / "audit_contamination.ipynb", as_version=4)
    NotebookClient(nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(out)}}).execute()
    text = "\n".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", ""))
                     for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", []))
    assert f"{len(rows)} hits in 3 documents, 3 benchmarks" in text
    assert "blog.example" in text and "(no url)" in text  # the sources ranking
    assert "=== contaminated: gsm8k/test:3 in https://blog.example/gsm (matched: stem)" in text
    assert "[[Josh decides to try flipping a house" in text  # the matched span, marked
    assert not [o for cell in nb.cells for o in cell.get("outputs", []) if o.get("output_type") == "error"]


def test_audit_notebook_on_a_run_without_hits(repo_root, tmp_path, monkeypatch):
    from curate.report.contamination import write_reports

    write_reports([], {"gsm8k": 1319}, tmp_path / "report")
    monkeypatch.setenv("CURATE_REPORT", str(tmp_path / "report"))
    nb = nbformat.read(repo_root / "notebooks" / "audit_contamination.ipynb", as_version=4)
    NotebookClient(nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    first = "".join(o.get("text", "") for o in nb.cells[1].outputs)
    assert "0 hits in 0 documents, 0 benchmarks" in first
