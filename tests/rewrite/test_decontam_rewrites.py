"""Rewrites are checked against a real decontam index built from GSM8K (the decontam stage's public API)."""

from __future__ import annotations

import pytest
from datatrove.data import Document

from curate.accounting import Rejects
from curate.benchmarks.loaders import load_gsm8k
from curate.decontam import build_index
from curate.errors import CurateError
from curate.decontam.generated import CheckGenerated as DecontamRewrites


@pytest.fixture(scope="module")
def gsm8k_index(shared_data, tmp_path_factory):
    items = load_gsm8k(shared_data / "gsm8k" / "test.jsonl")[:100]
    return build_index(items, tmp_path_factory.mktemp("index")), items


def test_a_rewrite_that_reintroduces_a_benchmark_item_is_dropped(gsm8k_index, tmp_path):
    index, items = gsm8k_index
    step = DecontamRewrites(str(index))
    step.rejects = Rejects(str(tmp_path))
    leaked = Document(text="Exercises\n1. " + items[3].question + "\nExplain your reasoning.", id="p#textbook")
    assert step.filter(leaked) == (False, "contaminated")
    assert leaked.metadata["contamination"]["items"][0] == f"gsm8k/{items[3].item_id}"
    clean = Document(text="Derek Jarman filmed The Garden at Dungeness in 1990, beside the shingle beach and the "
                          "nuclear power station, mixing the story of Christ with his own garden.", id="q#distill")
    assert step.filter(clean) is True and "contamination" not in clean.metadata


def test_missing_index(tmp_path):
    with pytest.raises(CurateError, match="not a decontam index"):
        DecontamRewrites(str(tmp_path / "nope")).filter(Document(text="x", id="a"))
    optional = DecontamRewrites(str(tmp_path / "nope"), required=False)
    assert optional.filter(Document(text="x", id="a")) is True


def test_the_run_decontam_stage_index_is_used_by_default(shared_data, tmp_path):
    from curate.config import parse_config
    from curate.pipeline import plan_run

    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "text": "hello"}\n')
    cfg = parse_config({"name": "t", "output": str(tmp_path / "out"), "input": {"paths": [str(src)]},
                        "decontam": {"benchmarks": [{"name": "gsm8k", "path": str(shared_data / "gsm8k")}]},
                        "rewrite": {"styles": ["distill"]}})
    rewrite = next(p for p in plan_run(cfg) if p.name == "rewrite")
    [step] = [s for s in rewrite.plan.groups[1].pipeline if isinstance(s, DecontamRewrites)]
    assert step.index == str(tmp_path / "out" / "decontam" / "_index") and not step.required
