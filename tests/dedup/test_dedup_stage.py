"""The dedup stage end to end, through the real driver (LocalPipelineExecutor) on real text."""

from __future__ import annotations

import unicodedata

import pytest

from curate.config import parse_config
from curate.errors import ConfigError
from tests.dedup.dedup_helpers import jaccard, run_dedup, write_jsonl
from tests.helpers import read_jsonl_gz


def _edit(text: str, every: int) -> str:
    """Replace every ``every``-th word: a near-duplicate a little shorter than the original."""
    words = text.split()
    return " ".join("x" if i % every == 0 else w for i, w in enumerate(words))


@pytest.fixture(scope="module")
def corpus(passages, tmp_path_factory):
    """Four input files (one per task with 4 tasks) mixing unique passages and planted duplicates."""
    p = passages
    near = _edit(p[1], 97)
    assert jaccard(p[1], near) >= 0.8
    far = _edit(p[3], 9)
    assert jaccard(p[3], far) < 0.5
    accented = "Le café déjà servi à l'hôtel, où l'été était très chaud. " + p[5]
    files = {
        "a.jsonl.gz": [{"id": "a0", "text": p[0]}, {"id": "a1", "text": p[1]}, {"id": "a3", "text": p[3]},
                       {"id": "a-nfc", "text": unicodedata.normalize("NFC", accented)}],
        "b.jsonl.gz": [{"id": "b-exact0", "text": p[0].upper()}, {"id": "b-near1", "text": near},
                       {"id": "b-far3", "text": far}, {"id": "b-punct", "text": "... !!! ---"}],
        "c.jsonl.gz": [{"id": "c-nfd", "text": unicodedata.normalize("NFD", accented)},
                       {"id": "c-one1", "text": "Hello!"}, {"id": "c-punct", "text": "?? ;;"}],
        "d.jsonl.gz": [{"id": "d-one2", "text": "hello"}, {"id": "d-one3", "text": "world"}]
                      + [{"id": f"d{i}", "text": p[i]} for i in range(10, 30)],
    }
    root = tmp_path_factory.mktemp("dedup_in")
    for name, docs in files.items():
        write_jsonl(root / "in", name, docs)
    return root / "in"


@pytest.fixture(scope="module")
def two_tasks(corpus, tmp_path_factory):
    return run_dedup(corpus, tmp_path_factory.mktemp("dedup_out2"), tasks=2)


def test_exact_duplicate_is_rejected_with_its_survivor(two_tasks):
    doc = two_tasks["rejected"]["b-exact0"]
    assert doc["metadata"]["filter_reason"] == "exact_duplicate"
    assert doc["metadata"]["duplicate_of"] == "a0"  # same length: the first seen survives
    assert doc["metadata"]["dedup_cluster"] == two_tasks["kept"]["a0"]["metadata"]["dedup_cluster"]
    assert doc["metadata"]["dedup_cluster_size"] == 2


def test_near_duplicate_across_shards_is_rejected(two_tasks):
    doc = two_tasks["rejected"]["b-near1"]
    assert doc["metadata"]["filter_reason"] == "near_duplicate"
    assert doc["metadata"]["duplicate_of"] == "a1"  # the longer one survives
    assert "b-far3" in two_tasks["kept"] and "a3" in two_tasks["kept"]  # Jaccard < 0.5: not duplicates


def test_unicode_forms_are_exact_duplicates(two_tasks):
    doc = two_tasks["rejected"]["c-nfd"]
    assert doc["metadata"]["filter_reason"] == "exact_duplicate"
    assert doc["metadata"]["duplicate_of"] == "a-nfc"


def test_empty_and_one_word_documents(two_tasks):
    kept, rejected = two_tasks["kept"], two_tasks["rejected"]
    assert {"b-punct", "c-punct", "d-one3"} <= set(kept)  # no words: never anyone's duplicate
    assert rejected["d-one2"]["metadata"]["filter_reason"] == "exact_duplicate"
    assert rejected["d-one2"]["metadata"]["duplicate_of"] == "c-one1"
    assert two_tasks["report"]["documents_without_words"] == 2


def test_every_document_is_accounted_for_and_reported(corpus, two_tasks):
    funnel, report = two_tasks["funnel"], two_tasks["report"]
    assert funnel.docs_in == 33 == funnel.kept + funnel.dropped_total
    assert funnel.dropped == {"exact_duplicate": 3, "near_duplicate": 1}
    assert report["removed"] == {"exact_duplicate": 3, "near_duplicate": 1}
    assert report["cluster_sizes"]["2"] == 4 and report["clusters"] == 4
    assert (report["parameters"]["bands"], report["parameters"]["rows"]) == (14, 8)
    # the funnel carries the duplicates summary: exact vs near, cluster size histogram
    duplicates = funnel.extra["duplicates"]
    assert duplicates["removed"] == report["removed"] and duplicates["cluster_sizes"]["2"] == 4
    input_ids = {d["id"] for d in read_jsonl_gz(corpus)}
    assert set(two_tasks["kept"]) | set(two_tasks["rejected"]) == input_ids
    assert not set(two_tasks["kept"]) & set(two_tasks["rejected"])


@pytest.mark.parametrize("tasks", [1, 4])
def test_same_decisions_whatever_the_number_of_tasks(corpus, two_tasks, tasks, tmp_path):
    other = run_dedup(corpus, tmp_path, tasks=tasks)
    assert set(other["kept"]) == set(two_tasks["kept"])

    def decisions(result):
        return {i: (d["metadata"]["filter_reason"], d["metadata"]["duplicate_of"], d["metadata"]["dedup_cluster"])
                for i, d in result["rejected"].items()}

    assert decisions(other) == decisions(two_tasks)


def test_survivor_rules(passages, tmp_path):
    base = passages[40]
    docs = [
        {"id": "short-best", "text": _edit(base, 101), "metadata": {"edu_score": 4.5}},
        {"id": "longest", "text": base + " and a few more closing words", "metadata": {"edu_score": 2}},
        {"id": "first-unscored", "text": base},
    ]
    write_jsonl(tmp_path / "in", "x.jsonl.gz", docs[2:] + docs[:2])
    expected = {("score", "length", "first"): "short-best", ("length",): "longest", ("first",): "first-unscored"}
    for keep, winner in expected.items():
        result = run_dedup(tmp_path / "in", tmp_path / "-".join(keep), tasks=2, keep=list(keep))
        assert set(result["kept"]) == {winner}
        assert {d["metadata"]["duplicate_of"] for d in result["rejected"].values()} == {winner}


def test_config_errors_say_how_to_fix_them(tmp_path):
    def parse(block):
        return parse_config({"output": str(tmp_path), "dedup": block})

    with pytest.raises(ConfigError, match="set both bands and rows"):
        parse({"bands": 10})
    with pytest.raises(ConfigError, match="raise num_perm"):
        parse({"bands": 20, "rows": 10, "num_perm": 128})
    assert parse({"bands": 20, "rows": 10}).dedup.num_perm == 200
    with pytest.raises(ConfigError, match="dedup.keep"):
        parse({"keep": ["longest"]})
