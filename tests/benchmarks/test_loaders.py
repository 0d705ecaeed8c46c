"""The benchmark loaders on the real test sets in ../shared/data, and the generic loader on small files."""

from __future__ import annotations

import json

import polars as pl
import pytest

from curate.benchmarks import FieldMap, load_benchmark, parse_benchmark_arg
from curate.benchmarks.loaders import boxed
from curate.errors import CurateError

KNOWN = [
    ("gsm8k", "gsm8k/test.jsonl", 1319),
    ("humaneval", "human-eval", 164),
    ("mbpp", "mbpp", 974 + 427),
    ("mmlu", "mmlu", 14079),
    ("math", "math-test", 5000),
    ("math500", "math500", 500),
    ("arc", "arc-challenge/ARC-Challenge-Test.jsonl", 1150),
]


@pytest.mark.parametrize(("name", "rel", "count"), KNOWN)
def test_known_benchmarks_load_every_item(shared_data, name, rel, count):
    items = load_benchmark(name, shared_data / rel)
    assert len(items) == count
    assert all(it.benchmark == name and it.question.strip() for it in items)
    assert len({it.item_id for it in items}) == count  # ids are unique within a benchmark


def test_item_contents(shared_data):
    """Each loader keeps an item's parts apart: stem, options, the correct answer's text, the worked solution."""
    gsm = load_benchmark("gsm8k", shared_data / "gsm8k")[0]
    assert gsm.question.startswith("Janet’s ducks lay 16 eggs per day.") and gsm.answer == "18"
    assert "<<" not in gsm.solution and gsm.solution.endswith("#### 18") and gsm.options == ()
    he = load_benchmark("humaneval", shared_data / "human-eval")[0]
    assert he.item_id == "HumanEval/0" and "def has_close_elements" in he.question
    assert "for idx, elem in enumerate(numbers)" in he.solution and he.answer == ""
    mmlu = load_benchmark("mmlu", shared_data / "mmlu")[0]
    assert mmlu.item_id == "abstract_algebra:1"
    assert mmlu.question == "Find the degree for the given field extension Q(sqrt(2), sqrt(3), sqrt(18)) over Q."
    assert mmlu.options == ("0", "4", "2", "6") and mmlu.answer == "4" and mmlu.labels == tuple("ABCD")
    assert mmlu.prompt == f"{mmlu.question}\nA. 0\nB. 4\nC. 2\nD. 6"
    arc = load_benchmark("arc", shared_data / "arc-challenge")[0]
    assert arc.item_id == "Mercury_7175875" and arc.answer == "Planetary days will become shorter."
    assert "\n" not in arc.question and arc.options[2] == arc.answer and "\nC. Planetary days" in arc.prompt
    m500 = load_benchmark("math500", shared_data / "math500")[0]
    assert m500.item_id == "test/precalculus/807.json" and "\\boxed" in m500.solution
    assert m500.answer == "\\left( 3, \\frac{\\pi}{2} \\right)"
    math = load_benchmark("math", shared_data / "math-test")[0]
    assert math.answer == "2" and math.answer in math.solution  # the last \boxed{} of the solution
    mbpp = {it.item_id: it for it in load_benchmark("mbpp", shared_data / "mbpp")}
    assert mbpp["sanitized:2"].question == "Write a function to find the shared elements from the given two lists."
    assert "assert set(similar_elements" in mbpp["sanitized:2"].solution
    assert mbpp["full:1"].question.startswith("Write a function to find the minimum cost path")


def test_boxed_answer_keeps_nested_braces():
    assert boxed(r"so $x = \boxed{\frac{1}{2}}$, not \boxed{3}") == "3"
    assert boxed(r"The answer is $\boxed{\left( 3, \frac{\pi}{2} \right)}$.") == r"\left( 3, \frac{\pi}{2} \right)"
    assert boxed("no box here") == ""


def test_mmlu_folder_without_test_split_reads_every_csv(shared_data):
    dev = load_benchmark("mmlu", shared_data / "mmlu" / "dev")
    assert len(dev) == 285


def test_generic_jsonl_with_field_mapping(tmp_path):
    path = tmp_path / "bench.jsonl"
    rows = [{"uid": "q1", "context": "A farmer has ten cows.", "query": "How many legs?", "opts": ["40", "10"],
             "gold": "A", "why": "Each cow has four legs."},
            {"uid": "q2", "context": "", "query": "Name a prime.", "opts": {"X": "4", "Y": "7"}, "gold": "7"}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    items = load_benchmark("mine", path, fields=FieldMap(question="context+query", answer="gold", id="uid",
                                                         choices="opts", solution="why"))
    assert [it.item_id for it in items] == ["q1", "q2"]
    assert items[0].question == "A farmer has ten cows.\nHow many legs?" and items[0].options == ("40", "10")
    assert items[0].answer == "40" and items[0].solution == "Each cow has four legs."  # a label stands for its text
    assert items[0].prompt == "A farmer has ten cows.\nHow many legs?\nA. 40\nB. 10"
    assert items[1].answer == "7" and items[1].labels == ("X", "Y") and items[1].prompt.endswith("X. 4\nY. 7")


def test_generic_csv_and_parquet(tmp_path):
    (tmp_path / "a.csv").write_text("id,question,answer\nc1,What is the boiling point of water at sea level?,100 C\n")
    pl.DataFrame({"question": ["Who wrote Hamlet?"], "answer": ["Shakespeare"]}).write_parquet(tmp_path / "b.parquet")
    csv_items = load_benchmark("custom", tmp_path / "a.csv")
    pq_items = load_benchmark("custom", tmp_path / "b.parquet")
    assert csv_items[0].item_id == "c1" and csv_items[0].answer == "100 C"
    assert pq_items[0].question == "Who wrote Hamlet?" and pq_items[0].item_id == "b:1"


def test_generic_missing_field_names_the_fields(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"prompt": "x"}) + "\n")
    with pytest.raises(CurateError, match="no field 'question'.*fields: prompt"):
        load_benchmark("mine", path)


def test_bad_paths_and_specs(tmp_path):
    with pytest.raises(CurateError, match="not found"):
        load_benchmark("gsm8k", tmp_path / "missing")
    with pytest.raises(CurateError, match="unknown benchmark kind"):
        load_benchmark("x", tmp_path, kind="nope")
    (tmp_path / "broken.jsonl").write_text("{not json\n")
    with pytest.raises(CurateError, match="broken.jsonl:1: not valid JSON"):
        load_benchmark("gsm8k", tmp_path / "broken.jsonl")
    assert parse_benchmark_arg("gsm8k=/d/test.jsonl") == ("gsm8k", "/d/test.jsonl")
    assert parse_benchmark_arg("/d/mmlu") == ("mmlu", "/d/mmlu")
    with pytest.raises(CurateError, match="NAME=PATH"):
        parse_benchmark_arg("=x")
