"""`curate classifier train` and `eval` through the CLI on real labelled snippets; the written artifacts."""

from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from curate.classify.data import read_labelled, split, write_jsonl
from curate.classify.recipe import load_recipe
from curate.classify.scoring import LoadedClassifier
from curate.classify.train import train_recipe
from curate.cli import app


def test_train_then_eval_through_the_cli(content_recipe, tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["classifier", "train", str(content_recipe)])
    assert result.exit_code == 0, result.output
    metrics = json.loads((content_recipe / "metrics.json").read_text())
    assert metrics["kind"] == "fasttext" and metrics["data"]["split"] == "grouped by page split"
    test = metrics["test"]
    assert test["n"] == metrics["data"]["test"] and 0.5 < test["macro_f1"] <= 1
    assert set(test["per_class"]) == {"boilerplate", "content"}
    assert np.array(test["confusion_matrix"]["matrix"]).sum() == test["n"]
    assert "binary" in test and test["binary"]["threshold"] == 1 and "mse" in test
    card = (content_recipe / "README.md").read_text()
    needs = ("label source", "held-out macro-F1", "intended threshold", "## Limitations", f"{test['macro_f1']:.3f}")
    for needed in needs:
        assert needed in card
    assert "macro-F1" in result.output and "confusion matrix" in result.output

    eval_data = tmp_path / "eval.jsonl"
    records = [json.loads(line) for line in (content_recipe / "_data" / "content.jsonl").read_text().splitlines()]
    write_jsonl(eval_data, records[:100] + [{"text": "no label"}, {"text": "x", "label": "spam"}])
    result = runner.invoke(app, ["classifier", "eval", str(content_recipe), str(eval_data)])
    assert result.exit_code == 0, result.output
    evaluated = json.loads((content_recipe / "metrics.json").read_text())["evaluations"]["eval.jsonl"]
    assert evaluated["n"] == 100
    assert evaluated["skipped"] == {"no_text_or_label": 1, "label_not_a_class": 1}
    assert json.loads((content_recipe / "metrics.json").read_text())["test"] == test  # training metrics kept


def test_train_split_keeps_pages_apart(content_recipe):
    recipe = load_recipe(content_recipe)
    data = read_labelled(recipe.path(recipe.data.path), recipe)
    train, test = split(data, recipe.data.test_fraction, recipe.data.seed)
    assert not set(train.groups) & set(test.groups)
    assert set(np.unique(test.labels)) == {0, 1}


def test_embedding_regression_recipe_trains_and_scores(content_recipe, tmp_path_factory):
    recipe = load_recipe(content_recipe, {
        "model": {"kind": "embedding", "params": {"objective": "regression", "hidden": 0, "lr": 5e-3,
                                                  "max_epochs": 30, "max_seq_length": 64, "device": "cpu",
                                                  "cache_dir": str(tmp_path_factory.getbasetemp() / "emb-cache")}},
    })
    small = content_recipe / "_data" / "small.jsonl"
    lines = (content_recipe / "_data" / "content.jsonl").read_text().splitlines()[:160]
    small.write_text("\n".join(lines) + "\n")
    result = train_recipe(recipe, small)
    assert result["kind"] == "embedding" and result["best_epoch"] >= 1 and "mse" in result["test"]
    scored = LoadedClassifier(content_recipe).scores(["Impressum", "The committee approved the new budget."])
    assert scored.score.dtype == np.float64 and ((scored.score >= 0) & (scored.score <= 1)).all()
    assert list(scored.ints) == [int(round(s)) for s in scored.score]


def test_train_without_data_says_how(tmp_path):
    (tmp_path / "recipe.yaml").write_text(
        "name: x\nlabels: {kind: ordinal, classes: [0, 1]}\nmodel: {kind: fasttext}\n")
    result = CliRunner().invoke(app, ["classifier", "train", str(tmp_path)])
    assert result.exit_code == 2 and "--data" in result.output
