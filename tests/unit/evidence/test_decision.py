"""Three verdicts on known evidence (budget 2 points), the effect check's part, persistence."""

import numpy as np
import pytest

from llmopt import results
from llmopt.errors import ConfigError
from llmopt.evidence import (
    COLUMNS,
    Effect,
    Evidence,
    decide,
    exact_change,
    load_decisions,
    not_run,
    paired_quality,
    ratio_change,
    save_decisions,
    table,
)

BUDGET = 2.0
CHEAPER = exact_change("$ per 1M requests", 100.0, 60.0)
SAME_COST = exact_change("$ per 1M requests", 100.0, 100.0)
RNG = np.random.default_rng(11)
LATENCY = RNG.lognormal(0.0, 0.3, 40)
NOISY = ratio_change("latency p50", LATENCY, LATENCY * RNG.lognormal(0.0, 0.2, 40))


def _evidence(base, cand, **changes) -> Evidence:
    return Evidence(quality=paired_quality(base, cand), **changes)


def test_identical_outputs_from_a_cheaper_setting_are_kept() -> None:
    d = decide("compression", "rate 0.5", _evidence([True, False] * 50, [True, False] * 50,
                                                    cost=CHEAPER), budget_points=BUDGET)
    assert d.verdict == "keep" and d.keep
    q = d.evidence.quality
    assert q.low_points == q.high_points == 0.0 and "$ per 1M requests -40.0%" in d.why


def test_a_planted_five_point_loss_is_dropped() -> None:
    base = RNG.random(2000) < 0.8
    cand = base.copy()
    cand[np.flatnonzero(base)[:100]] = False
    d = decide("quant", "w4", _evidence(base, cand, cost=CHEAPER), budget_points=BUDGET)
    assert d.verdict == "drop" and "loses 5.0 points" in d.why and "budget of 2" in d.why


def test_one_disagreement_in_thirty_is_inconclusive_with_the_n_needed() -> None:
    d = decide("x", "y", _evidence([True] * 30, [True] * 29 + [False], cost=CHEAPER),
               budget_points=BUDGET)
    assert d.verdict == "inconclusive"
    assert d.requests_to_settle is not None and d.requests_to_settle > 30
    assert f"about {d.requests_to_settle:,} paired requests would settle it" in d.why


def test_cheaper_at_equal_quality_with_latency_in_noise_is_kept_on_cost() -> None:
    d = decide("x", "y", _evidence([True] * 40, [True] * 40, cost=CHEAPER, latency=NOISY),
               budget_points=BUDGET)
    assert d.verdict == "keep" and "$ per 1M requests -40.0%" in d.why
    assert NOISY.direction == "no measurable change"
    assert d.row()["latency_interval"].startswith("[")


def test_no_gain_needs_no_quality_answer() -> None:
    pricier = exact_change("$ per 1M requests", 100.0, 130.0)
    d = decide("x", "y", _evidence([True] * 30, [True] * 29 + [False], cost=pricier),
               budget_points=BUDGET)
    assert d.verdict == "drop" and d.requests_to_settle is None
    assert d.why == "no measurable gain ($ per 1M requests +30.0%)"


def test_nothing_better_is_dropped() -> None:
    d = decide("x", "y", _evidence([True] * 40, [True] * 40, cost=SAME_COST, latency=NOISY),
               budget_points=BUDGET)
    assert d.verdict == "drop" and d.why.startswith("no measurable gain")


def test_unmeasured_quality_and_disagreeing_figures_are_inconclusive() -> None:
    assert decide("x", "y", Evidence(cost=CHEAPER), budget_points=BUDGET).verdict == "inconclusive"
    d = decide("x", "y", Evidence(quality=paired_quality([True], [True]), cost=CHEAPER,
                                  conflict="latency better, throughput worse"),
               budget_points=BUDGET)
    assert d.verdict == "inconclusive" and "figures disagree" in d.why


def test_the_effect_check_gates_and_learns_of_harm() -> None:
    works = Effect(option="kv", promised="p", measured="2.00x", verdict="effective", why="w")
    idle = works.model_copy(update={"verdict": "no effect", "why": "capacity 1.00x"})
    lost = _evidence([True] * 2000, [True] * 1900 + [False] * 100, cost=CHEAPER)
    assert decide("KV", "fp8", lost, budget_points=BUDGET, effect=works).effect.verdict == "harmful"
    dropped = decide("KV", "tq", _evidence([True], [True], cost=CHEAPER), budget_points=BUDGET,
                     effect=idle)
    assert dropped.verdict == "drop" and "did nothing (capacity 1.00x)" in dropped.why
    kept = decide("KV", "fp8", _evidence([True] * 9, [True] * 9, cost=CHEAPER),
                  budget_points=BUDGET, effect=works)
    assert kept.verdict == "keep" and kept.effect.verdict == "effective"


def test_blocked_and_not_run() -> None:
    d = decide("bnb", "nf4", _evidence([True], [True], cost=CHEAPER), budget_points=BUDGET,
               blocked="vLLM cannot serve it")
    assert d.verdict == "drop" and d.why == "vLLM cannot serve it"
    n = not_run("KV", "fp8", "needs AVX-512", BUDGET)
    assert n.verdict == "inconclusive" and n.why == "not run here: needs AVX-512"


def test_a_budget_below_zero_is_refused() -> None:
    with pytest.raises(ConfigError, match="budget must be >= 0"):
        decide("x", "y", Evidence(), budget_points=-1)


def test_saved_decisions_round_trip(tmp_path) -> None:
    decisions = [decide("x", "a", _evidence([True] * 30, [True] * 30, cost=CHEAPER,
                                            latency=NOISY), budget_points=BUDGET),
                 not_run("x", "b", "no AVX-512", BUDGET)]
    frame = save_decisions(tmp_path, "02_x", decisions, note="n")
    assert list(frame.columns) == COLUMNS and list(frame["verdict"]) == ["keep", "inconclusive"]
    assert load_decisions(tmp_path, "02_x") == decisions
    assert results.load(tmp_path, "02_x")["note"] == "n"
    assert table(decisions).equals(frame)
