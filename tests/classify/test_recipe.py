"""Recipe validation: every shipped recipe loads; bad recipes fail with messages that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from curate.classify.recipe import load_recipe
from curate.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]
GOOD = """
name: demo
labels: {kind: ordinal, classes: [0, 1, 2], threshold: 2}
model: {kind: fasttext, params: {dim: 8}}
"""


@pytest.mark.parametrize("name", ["edu", "reasoning", "topic", "content"])
def test_shipped_recipes_load(name):
    r = load_recipe(REPO / "classifiers" / name)
    assert r.name == name
    if r.annotate is not None:
        prompt = r.path(r.annotate.prompt).read_text()
        assert "{text}" in prompt


def test_edu_prompt_ends_with_the_fineweb_score_line():
    r = load_recipe(REPO / "classifiers" / "edu")
    assert r.path(r.annotate.prompt).read_text().rstrip().endswith('"Educational score: <points>", where <points> '
                                                                    "is a whole number from 0 to 5.")
    assert r.labels.classes == [0, 1, 2, 3, 4, 5] and r.labels.threshold == 3


def _write(tmp_path, text):
    (tmp_path / "recipe.yaml").write_text(text)
    return tmp_path


@pytest.mark.parametrize(
    "bad, expected",
    [
        (GOOD.replace("fasttext, params: {dim: 8}", "svm"), "model.kind"),
        (GOOD.replace("dim: 8", "dimension: 8"), "unknown fasttext parameter(s) ['dimension']"),
        (GOOD.replace("threshold: 2", "threshold: 7"), "threshold must lie between 0 and 2"),
        (GOOD.replace("ordinal", "categorical"), "threshold is only meaningful for ordinal labels"),
        (GOOD.replace("[0, 1, 2]", "[0, 1, 1]"), "classes must be distinct"),
        (GOOD.replace("name: demo", "name: Demo Classifier"), "name"),
        (GOOD + "extra_key: 1\n", "extra_key: unknown key"),
        (GOOD.replace("[0, 1, 2]", "[0]"), "labels.classes"),
        (GOOD.replace("fasttext, params: {dim: 8}", "embedding, params: {objective: ranking}"),
         "objective must be classification or regression"),
    ],
)
def test_bad_recipes_name_the_problem(tmp_path, bad, expected):
    with pytest.raises(ConfigError) as err:
        load_recipe(_write(tmp_path, bad))
    assert expected in str(err.value)


def test_missing_recipe_says_where(tmp_path):
    with pytest.raises(ConfigError, match="no classifier recipe"):
        load_recipe(tmp_path)


def test_label_values_map_to_indices():
    r = load_recipe(REPO / "classifiers" / "edu")
    assert [r.labels.index(v) for v in (0, "3", 5.0, "5", 6, "x", None)] == [0, 3, 5, 5, None, None, None]
