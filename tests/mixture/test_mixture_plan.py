"""Budgets, weights and epochs: Phi-4's Table 5, and the warnings of a mixture that does not add up."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from curate.errors import ConfigError
from curate.mixture.config import MixtureConfig, parse_budget, parse_source_spec
from curate.mixture.manifest import plan_mixture, resolve_weights


def test_phi4_table5_epochs():
    """Phi-4 (arXiv 2412.08905) Table 5: unique tokens and weights with a 10T budget give its epochs."""
    tokens = {"web": 1.3e12, "web_rewrites": 290e9, "synthetic": 290e9, "code": 820e9, "acquired": 580e9}
    weights = {"web": 0.15, "web_rewrites": 0.15, "synthetic": 0.40, "code": 0.20, "acquired": 0.10}
    plan = plan_mixture(parse_budget("10T"), weights, {k: int(v) for k, v in tokens.items()}, max_epochs=20)
    assert {k: round(v, 1) for k, v in plan.epochs.items()} == {
        "web": 1.2, "web_rewrites": 5.2, "synthetic": 13.8, "code": 2.4, "acquired": 1.7}
    assert plan.warnings == []


def test_phi4_table5_from_percentages_warns_and_normalises():
    weights = {"web": 15, "web_rewrites": 15, "synthetic": 40, "code": 20, "acquired": 10}
    tokens = {"web": 1_300 * 10**9, "web_rewrites": 290 * 10**9, "synthetic": 290 * 10**9, "code": 820 * 10**9,
              "acquired": 580 * 10**9}
    plan = plan_mixture(10 * 10**12, weights, tokens, max_epochs=10)
    assert round(plan.epochs["synthetic"], 1) == 13.8
    assert plan.weights["synthetic"] == pytest.approx(0.4)
    assert any("sum to 100" in w for w in plan.warnings)
    assert any("synthetic would be repeated 13.8 times" in w for w in plan.warnings)  # above the ceiling


@pytest.mark.parametrize("text,tokens", [
    ("10T", 10 * 10**12), ("290B", 290 * 10**9), ("5M", 5 * 10**6), ("1.5K", 1500), ("2_000", 2000),
    ("7g", 7 * 10**9), (" 12 ", 12), (1000, 1000), ("0.5T", 5 * 10**11),
])
def test_budget_suffixes(text, tokens):
    assert parse_budget(text) == tokens
    assert MixtureConfig(budget=text, sources={}).budget == tokens


@pytest.mark.parametrize("bad", ["10X", "T", "-5", "0", "1.5", "", "ten", True])
def test_bad_budgets_are_refused(bad):
    with pytest.raises(ValueError):
        parse_budget(bad)
    with pytest.raises(ValidationError) as err:
        MixtureConfig(budget=bad)
    assert "budget" in str(err.value)


def test_weights_not_summing_to_one_are_normalised_with_a_warning():
    weights, warnings = resolve_weights({"a": 0.5, "b": 0.7})
    assert weights == pytest.approx({"a": 0.5 / 1.2, "b": 0.7 / 1.2})
    assert warnings == ["weights sum to 1.2, not 1: each was divided by 1.2"]


def test_missing_weights_share_the_remainder():
    weights, warnings = resolve_weights({"a": 0.5, "b": None, "c": None})
    assert weights == pytest.approx({"a": 0.5, "b": 0.25, "c": 0.25})
    assert warnings == []
    weights, warnings = resolve_weights({"a": 1.0, "b": None})
    assert weights == {"a": 1.0, "b": 0.0}
    assert "have no weight" in warnings[0]


def test_all_zero_weights_are_an_error():
    with pytest.raises(ConfigError, match="all zero"):
        resolve_weights({"a": 0.0, "b": 0.0})


def test_zero_token_source_has_no_epochs_and_a_warning():
    plan = plan_mixture(10**6, {"a": 0.5, "b": 0.5}, {"a": 1000, "b": 0})
    assert plan.epochs["b"] is None
    assert plan.epochs["a"] == pytest.approx(500.0)
    assert any("source b has no tokens" in w for w in plan.warnings)
    assert any("source a would be repeated 500.0 times" in w for w in plan.warnings)


def test_epoch_ceiling_is_configurable():
    assert plan_mixture(100, {"a": 1.0}, {"a": 10}, max_epochs=10).warnings == []
    assert len(plan_mixture(100, {"a": 1.0}, {"a": 10}, max_epochs=9.9).warnings) == 1


@pytest.mark.parametrize("spec,expected", [
    ("web=/data/web", ("web", {"path": "/data/web", "weight": None})),
    ("code=data/code:0.2", ("code", {"path": "data/code", "weight": 0.2})),
    ("syn=/a:b/c:15", ("syn", {"path": "/a:b/c", "weight": 15.0})),
    ("s3=s3://bucket/x", ("s3", {"path": "s3://bucket/x", "weight": None})),
])
def test_source_specs(spec, expected):
    assert parse_source_spec(spec) == expected


@pytest.mark.parametrize("spec,message", [
    ("web", "NAME=PATH"), ("=data", "NAME=PATH"), ("web=", "NAME=PATH"), ("web=data:abc", "not a number"),
    ("web=data:-1", ">= 0"), ("web=data:nan", ">= 0"), ("we b=data", "letters, digits"), ("web=:0.3", "path is empty"),
])
def test_bad_source_specs(spec, message):
    with pytest.raises(ConfigError, match=message):
        parse_source_spec(spec)


def test_bad_source_names_and_unknown_keys_in_yaml_blocks():
    with pytest.raises(ValidationError, match="letters, digits"):
        MixtureConfig(budget="1M", sources={"a/b": {"path": "/x"}})
    with pytest.raises(ValidationError, match="weigth"):
        MixtureConfig(budget="1M", sources={"a": {"path": "/x", "weigth": 0.3}})
    with pytest.raises(ValidationError, match="greater than or equal to 0"):
        MixtureConfig(budget="1M", sources={"a": {"path": "/x", "weight": -0.3}})
