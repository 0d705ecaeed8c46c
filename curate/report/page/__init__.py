"""The run report: ``<out>/report/index.html``, one self-contained page for a whole run.

It shows the funnel, sample documents per drop reason and edit rule, classifier score histograms, languages,
duplicate clusters, the contamination summary, the mixture and the run's settings, all read back from the output
folder (:mod:`~curate.report.page.collect`), so the page of a partial run shows what finished and says what did not.
Written at the end of every ``curate run`` and rebuilt by ``curate report OUT``.
"""

from __future__ import annotations

from pathlib import Path

from curate.report.page.collect import collect
from curate.report.page.render import write_page


def write_run_report(output: str | Path) -> Path:
    """Build ``<output>/report/index.html`` (the run's settings were recorded when it started); returns its path."""
    return write_page(collect(Path(output)))
