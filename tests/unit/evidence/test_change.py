"""Cost and latency changes: exact ones, and measured ones with their interval."""

import math

import numpy as np
import pytest

from llmopt.errors import ConfigError
from llmopt.evidence import (
    exact_change,
    ratio_change,
    relative_change,
    round_ratio_change,
    throughput_cost_change,
)


def test_relative_change_agrees_everywhere() -> None:
    assert relative_change(50, 100) == -50.0
    assert relative_change(0, 0) == 0.0
    assert relative_change(3, 0) == math.inf and relative_change(-3, 0) == -math.inf


def test_an_exact_change_says_it_has_no_interval() -> None:
    cheaper = exact_change("$ per 1M requests", 100.0, 60.0)
    assert cheaper.exact and cheaper.interval == "exact" and cheaper.direction == "better"
    assert cheaper.pct == pytest.approx(-40.0)
    assert exact_change("x", 1.0, 1.0).direction == "no measurable change"
    assert exact_change("x", 1.0, 1.5).direction == "worse"


def test_a_latency_within_noise_is_no_measurable_change() -> None:
    rng = np.random.default_rng(3)
    base = rng.lognormal(0.0, 0.3, 40)
    cand = base * rng.lognormal(0.0, 0.2, 40)  # same requests, jittered, no real change
    change = ratio_change("TTFT p50", base, cand)
    assert change.low < 1 < change.high and change.direction == "no measurable change"
    assert change.describe().endswith("no measurable change")


def test_a_real_speed_up_is_better() -> None:
    rng = np.random.default_rng(4)
    base = rng.lognormal(0.0, 0.3, 60)
    change = ratio_change("latency p50", base, 0.7 * base * rng.lognormal(0.0, 0.05, 60))
    assert change.high < 1 and change.direction == "better"
    assert change.ratio == pytest.approx(0.7, rel=0.05)


def test_one_request_says_nothing_about_noise() -> None:
    change = ratio_change("latency p50", [1.0], [0.5])
    assert change.direction == "no measurable change"


def test_throughput_cost_follows_latency_of_the_same_requests() -> None:
    tokens = [100.0] * 30
    base_s = np.linspace(1.0, 1.3, 30)
    cost = throughput_cost_change("self-host $/1M", (tokens, base_s), (tokens, base_s / 2),
                                  usd_per_hour=3.6, in_flight=1)
    assert cost.ratio == pytest.approx(0.5) and cost.direction == "better"
    # 3.6 $/h = 0.001 $/s over 100 tokens / ~1.15 s
    assert cost.baseline == pytest.approx(1e6 * 0.001 / (100 / base_s.mean()))


@pytest.mark.parametrize(("call", "match"), [
    (lambda: ratio_change("x", [1.0, 2.0], [1.0]), "same requests"),
    (lambda: ratio_change("x", [], []), "at least"),
    (lambda: ratio_change("x", [1.0, float("nan")], [1.0, 1.0]), "finite"),
    (lambda: exact_change("x", -1.0, 1.0), "finite and >= 0"),
    (lambda: throughput_cost_change("x", ([1], [1]), ([1], [1]), usd_per_hour=0, in_flight=1),
     "usd_per_hour"),
])
def test_bad_input_is_named(call, match) -> None:
    with pytest.raises(ConfigError, match=match):
        call()


def test_a_ratio_over_interleaved_rounds() -> None:
    same_each_round = round_ratio_change("TTFT p50", [1.0, 2.0, 1.5], [0.5, 1.0, 0.75], "m")
    assert same_each_round.ratio == pytest.approx(0.5) and same_each_round.direction == "better"
    assert same_each_round.low == same_each_round.high == pytest.approx(0.5)
    noisy = round_ratio_change("TTFT p50", [1.0] * 4, [1.1, 0.9, 1.05, 0.95], "m")
    assert noisy.direction == "no measurable change" and "4 interleaved rounds" in noisy.method
    with pytest.raises(ConfigError, match="at least 2 rounds"):
        round_ratio_change("x", [1.0], [1.0], "m")
