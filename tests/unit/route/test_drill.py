from __future__ import annotations

import json
import threading

import pytest
from langchain_core.messages import convert_to_messages

from llmopt.demo.generator import generate
from llmopt.errors import ConfigError
from llmopt.route import Budget
from llmopt.route.drill import (
    KillAfter,
    attempts_frame,
    budget_summary,
    drill_summary,
    live_evidence,
    live_point,
    per_request,
    run_each,
    run_routed,
)
from llmopt.route.scorers import (
    Cascade,
    EarlyStop,
    HeuristicConfig,
    HeuristicScorer,
    SchemaCheck,
)
from tests.unit.route.fakes import Scripted, refused

ALWAYS_STRONG = HeuristicScorer(HeuristicConfig(long_chars=1, keyword_weight=0,
                                                structure_weight=0))


def test_kill_after_n_calls_then_every_request_is_answered(make_router):
    items = generate(8, seed=0)
    large = Scripted(name="large", text="large answer", script=[None, None] + [refused()] * 20)
    router = make_router(large=large, scorer=ALWAYS_STRONG, thresholds=[0.5])
    stopped = threading.Event()
    killer = KillAfter(2, "demo:large", stopped.set)
    runs = run_routed(router, items, concurrency=1, callbacks=[killer])
    assert killer.stopped.wait(10) and stopped.is_set()
    summary = drill_summary(runs, attempts_frame(router))
    assert summary["answered"] == 8 and summary["fell_back"] >= 1
    assert summary["errors_connection"] == summary["failed_attempts"]
    assert "<table" in summary._repr_html_() and "fell_back" in summary._repr_html_()
    assert json.loads(json.dumps(summary)) == dict(summary)  # saved with the decisions


def test_live_point_counts_a_cascades_cheap_and_strong_calls(make_router):
    items = generate(4, seed=1)
    small = Scripted(name="small", text="not json")
    router = make_router(small=small, cascade=Cascade([SchemaCheck(fields=["intent"])]))
    runs = run_routed(router, items, concurrency=2)
    attempts = attempts_frame(router)
    point = live_point(runs, attempts, [True, False, True, True], strong="large")
    assert point["share_strong"] == 1.0 and point["accuracy"] == 0.75
    assert point["usd_per_million_requests"] == pytest.approx(
        1e6 * attempts["cost_usd"].sum() / 4)
    assert set(attempts["tier"]) == {"small", "large"} and len(attempts) == 8


def test_an_early_stopped_answer_is_paid_up_to_its_abort(make_router):
    items = generate(2, seed=1)
    small = Scripted(name="small", text="a b c d", logprobs=[-0.1, -3.0, -0.1, -0.1])
    router = make_router(small=small, cascade=Cascade(early_stop=EarlyStop(min_logprob=-1)))
    runs = run_routed(router, items, concurrency=1)
    attempts = attempts_frame(router)
    aborted = attempts[attempts["error_class"] == "early_stop"]
    assert len(aborted) == 2 and (aborted["cost_usd"] > 0).all()
    point = live_point(runs, attempts, [True, True], strong="large")
    assert point["share_strong"] == 1.0 and point["usd_per_million_requests"] == pytest.approx(
        1e6 * attempts["cost_usd"].sum() / 2)  # the aborted answers' tokens paid too


def test_each_router_runs_in_turn_with_the_servers_own_token_count(make_router):
    from llmopt.serve.metrics import MetricsSnapshot

    class Counter:  # a server whose /metrics counts 5 generated tokens per scrape
        scrapes = 0

        def metrics(self):
            Counter.scrapes += 1
            return MetricsSnapshot(generation_tokens=5.0 * Counter.scrapes)

    items = generate(2, seed=1)
    runs, generated = run_each({"a": make_router(), "b": make_router()}, items, Counter())
    assert list(runs) == ["a", "b"] and all(len(r) == 2 for r in runs.values())
    assert generated == {"a": 5.0, "b": 5.0}


def test_one_routed_run_is_the_baseline_of_another(make_router):
    items = generate(3, seed=1)
    router = make_router()
    runs = run_routed(router, items, concurrency=1)
    attempts = attempts_frame(router)
    frame = per_request(runs, attempts, [True, False, True], items)
    assert list(frame.index) == [i.id for i in items]
    assert frame["cost_usd"].sum() == pytest.approx(attempts["cost_usd"].sum())
    ev = live_evidence(runs, attempts, [True, True, True], frame)
    assert ev.quality.candidate_only == 1 and ev.cost.pct == pytest.approx(0.0)


def test_live_evidence_pairs_the_routed_answers_with_the_baseline_tier(make_router):
    import pandas as pd

    items = generate(4, seed=1)
    router = make_router()
    runs = run_routed(router, items, concurrency=2)
    attempts = attempts_frame(router)
    baseline = pd.DataFrame({"tier": [i.tier for i in items], "correct": [True] * 4,
                             "cost_usd": [1.0] * 4, "latency_s": runs["latency_s"].to_numpy() * 2},
                            index=[i.id for i in items])
    ev = live_evidence(runs, attempts, [True, False, True, True], baseline)
    assert ev.quality.n == 4 and ev.quality.baseline_only == 1
    assert ev.cost.baseline == 1e6 and ev.cost.candidate == pytest.approx(
        1e6 * attempts.query("ok")["cost_usd"].sum() / 4)
    assert ev.latency.ratio == pytest.approx(0.5)
    with pytest.raises(ConfigError, match="lacks some of the routed requests"):
        live_evidence(runs, attempts, [True] * 4, baseline.iloc[:2])


def test_budget_summary_says_how_much_of_the_limit_went_unused(make_router):
    items = generate(12, seed=2)
    router = make_router()
    tier = router.tiers[0]
    actual = tier.cost(tier.model.prompt_tokens, 2)
    worst = max(tier.cost(tier.prompt_tokens(convert_to_messages(i.messages())), tier.max_tokens)
                for i in items)
    router.budget = Budget(worst + 3.5 * actual, wait_s=60)
    runs = run_routed(router, items, concurrency=1)
    summary = budget_summary(router.budget, runs, attempts_frame(router))
    assert summary["admitted"] + summary["refused"] == 12 and summary["refused"] > 0
    assert summary["fits_at_actual_cost"] == pytest.approx(router.budget.limit_usd / actual)
    assert summary["unused_usd"] == pytest.approx(summary["unused_calls"] * actual)
    assert summary["worst_over_actual"] > 1 and summary["unused_usd"] < summary["largest_worst_usd"]
