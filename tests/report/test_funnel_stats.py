"""The funnel sums the tasks' stats files, and leaves out one cut short by a killed task."""

from __future__ import annotations

import json

from curate.accounting import STAT_IN, STAT_KEPT
from curate.report.funnel import stage_funnel


def test_a_stats_file_cut_short_is_left_out(tmp_path):
    stats = tmp_path / "logs" / "stats"
    stats.mkdir(parents=True)
    step = {"name": "keep", "stats": {STAT_IN: {"total": 10}, STAT_KEPT: {"total": 7}}}
    (stats / "00000.json").write_text(json.dumps([step]))
    (stats / "00001.json").write_text(json.dumps([step])[:25])  # killed while writing it
    (stats / "00002.json").write_text("")
    funnel = stage_funnel("extract", [tmp_path / "logs"])
    assert (funnel.tasks_with_stats, funnel.docs_in, funnel.kept) == (1, 10, 7)
