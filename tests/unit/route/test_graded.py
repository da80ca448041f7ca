from __future__ import annotations

import math

import pytest

from llmopt.completions import Completion
from llmopt.demo.generator import generate
from llmopt.errors import ConfigError
from llmopt.route.graded import graded_runs, one_tier
from tests.unit.route.conftest import tiers


def test_rows_carry_verdicts_costs_and_failures():
    items = generate(2, seed=0)
    right = json_answer(items[0].reference)
    cheap = [Completion(id=items[0].id, text=right, prompt_tokens=100, completion_tokens=20,
                        latency_s=0.1), Completion(id=items[1].id, latency_s=0.1, error="x")]
    strong = [Completion(id=i.id, text="nope", prompt_tokens=100, completion_tokens=20,
                         latency_s=0.1) for i in items]
    small, large = tiers()
    frame = graded_runs(items, cheap, strong, small, large)
    assert frame["cheap_correct"].tolist() == [True, False]
    assert frame["strong_correct"].tolist() == [False, False]
    assert frame["cheap_failed"].tolist() == [False, True]
    assert math.isnan(frame["cheap_cost_usd"].iloc[1])
    assert frame["strong_cost_usd"].iloc[0] > frame["cheap_cost_usd"].iloc[0] > 0


def test_one_tier_is_the_baseline_of_a_routed_run():
    items = generate(2, seed=0)
    strong = [Completion(id=i.id, text=json_answer(i.reference), prompt_tokens=100,
                         completion_tokens=20, latency_s=0.5 + n) for n, i in enumerate(items)]
    frame = graded_runs(items, strong, strong, *tiers())
    view = one_tier(frame, "strong", strong)
    assert list(view.index) == [i.id for i in items] and view["correct"].all()
    assert view["latency_s"].tolist() == [0.5, 1.5]
    assert list(view["tier"]) == [i.tier for i in items]
    with pytest.raises(ConfigError, match="which must be"):
        one_tier(frame, "medium", strong)


def test_misaligned_answers_are_named():
    items = generate(2, seed=0)
    answers = [Completion(id="other", latency_s=0.1), Completion(id="x", latency_s=0.1)]
    with pytest.raises(ConfigError, match="out of order"):
        graded_runs(items, answers, answers, *tiers())
    with pytest.raises(ConfigError, match="line up"):
        graded_runs(items, answers[:1], answers, *tiers())


def json_answer(reference: dict) -> str:
    import json

    return json.dumps(reference)
