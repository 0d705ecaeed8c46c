"""The score stage end to end with LocalPipelineExecutor(tasks=2), its drop reason, its config and its CLI."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from typer.testing import CliRunner

from curate.classify.scoring import LoadedClassifier
from curate.errors import ConfigError
from tests.helpers import kept, rejected, run_pipeline


def _config(out, inputs, classifiers, tasks=2):
    return {"name": "score-test", "output": str(out), "input": {"paths": [str(inputs)], "format": "jsonl"},
            "executor": {"kind": "local", "tasks": tasks}, "score": {"classifiers": classifiers}}


def test_scores_every_document_with_two_classifiers(tmp_path, page_docs, content_classifier, topic_classifier):
    funnels = run_pipeline(_config(tmp_path, page_docs, [str(content_classifier), str(topic_classifier)]))
    docs = kept(tmp_path, "score")
    assert len(docs) == 24 and funnels[0].docs_in == 24 and funnels[0].kept == 24
    assert len(list((tmp_path / "logs" / "score" / "completions").iterdir())) == 2
    clf = LoadedClassifier(content_classifier)
    expected = clf.scores([d["text"] for d in docs])
    for doc, score, integer in zip(docs, expected.score, expected.ints):
        meta = doc["metadata"]
        assert meta["content_score"] == pytest.approx(round(float(score), 4), abs=1e-4)
        assert meta["content_int"] == int(integer) == int(meta["content_score"] >= 0.5)
        assert meta["topic_label"] in ("STEM", "humanities", "social sciences", "other")
        assert 0.25 <= meta["topic_score"] <= 1.0
        assert meta["topic_int"] == ["STEM", "humanities", "social sciences", "other"].index(meta["topic_label"])


def test_threshold_drops_with_reason(tmp_path, page_docs, content_classifier):
    cut = float(np.median([d["metadata"]["content_score"] for d in _score_all(tmp_path / "all", page_docs,
                                                                               content_classifier)]))
    out = tmp_path / "cut"
    funnels = run_pipeline(_config(out, page_docs, [{"path": str(content_classifier), "min_score": cut}]))
    kept_docs, dropped = kept(out, "score"), rejected(out, "score")
    reason = f"content_score_below_{cut:g}"
    assert list(dropped) == [reason]
    assert len(kept_docs) + len(dropped[reason]) == 24 == funnels[0].docs_in
    assert funnels[0].dropped == {reason: len(dropped[reason])}
    assert all(d["metadata"]["content_score"] >= cut for d in kept_docs)
    assert all(d["metadata"]["content_score"] < cut for d in dropped[reason])
    assert all(d["metadata"]["filter_reason"] == reason for d in dropped[reason])


def _score_all(out, inputs, classifier):
    run_pipeline(_config(out, inputs, [str(classifier)], tasks=1))
    return kept(out, "score")


def test_untrained_classifier_is_a_config_error(tmp_path, page_docs, repo_root):
    untrained = tmp_path / "edu"
    untrained.mkdir()
    shutil.copy(repo_root / "classifiers" / "edu" / "recipe.yaml", untrained / "recipe.yaml")
    with pytest.raises(ConfigError, match="curate classifier train"):
        run_pipeline(_config(tmp_path / "out", page_docs, [str(untrained)]))


def test_shipped_edu_and_reasoning_score_real_pages(tmp_path, page_docs, repo_root):
    """classifiers/edu as shipped (stack of TF-IDF and MiniLM ridge regressions, cut points in its meta.json) and
    classifiers/reasoning, through the stage: the scores are the models' own and edu_int follows the cuts."""
    from curate.classify.calibrate import classes_from_cuts

    edu, reasoning = repo_root / "classifiers" / "edu", repo_root / "classifiers" / "reasoning"
    cuts = json.loads((edu / "model" / "meta.json").read_text())["cuts"]
    run_pipeline(_config(tmp_path, page_docs, [str(edu), str(reasoning)]))
    docs = kept(tmp_path, "score")
    assert len(docs) == 24
    expected = LoadedClassifier(edu).scores([d["text"] for d in docs])
    for doc, score in zip(docs, expected.score):
        meta = doc["metadata"]
        assert meta["edu_score"] == pytest.approx(score, abs=1e-3) and 0 <= meta["edu_score"] <= 5
        assert meta["edu_int"] == int(classes_from_cuts([meta["edu_score"]], cuts)[0])
        assert 0 <= meta["reasoning_score"] <= 1 and meta["reasoning_int"] == int(meta["reasoning_score"] >= 0.5)


def test_duplicate_classifier_names_are_refused(tmp_path, page_docs, content_classifier):
    with pytest.raises(ConfigError, match="share the name"):
        run_pipeline(_config(tmp_path, page_docs, [str(content_classifier), str(content_classifier)]))


def test_cli_scores_and_thresholds(tmp_path, page_docs, content_classifier):
    from curate.cli import app

    result = CliRunner().invoke(app, ["score", str(page_docs), "--classifier", str(content_classifier),
                                      "--min-score", "content=0.99", "-o", str(tmp_path), "--tasks", "2"])
    assert result.exit_code == 0, result.output
    funnel = json.loads((tmp_path / "report" / "funnel.json").read_text())
    assert "content_score_below_0.99" in json.dumps(funnel)
    assert len(kept(tmp_path, "score")) + len(rejected(tmp_path, "score")["content_score_below_0.99"]) == 24


def test_cli_rejects_threshold_for_unknown_classifier(tmp_path, page_docs, content_classifier):
    from curate.cli import app

    result = CliRunner().invoke(app, ["score", str(page_docs), "-c", str(content_classifier),
                                      "--min-score", "edu=3", "-o", str(tmp_path)])
    assert result.exit_code == 2 and "no --classifier has" in result.output
