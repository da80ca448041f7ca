"""Prefix-reuse figures and cached-input API bills from hand-built bench results."""

import math
from datetime import date

import pytest

from llmopt.bench import BenchResult, StageRun
from llmopt.pricing import Price
from llmopt.report.reuse import api_charges, stage_figures, stage_metrics
from llmopt.serve.metrics import MetricsDelta

from ..bench.records import record

PRICE = Price(provider="p", model="m", input=1.0, cached_input=0.1, output=2.0, source="test",
              as_of=date(2026, 1, 1))


def _result(cached: int | None, hits: float, queries: float) -> BenchResult:
    rows = [record(n, ttft_s=(n + 1) / 10, cached_tokens=cached) for n in range(4)]
    delta = MetricsDelta(prefix_cache_hits=hits, prefix_cache_queries=queries, prompt_tokens=400)
    stage = StageRun(stage="synchronous", profile={}, session="s1", started_s=0, ended_s=4,
                     sent=4, metrics=delta)
    return BenchResult(records=rows, stages=[stage])


def test_stage_figures_take_hits_from_the_server_and_ttft_from_the_client() -> None:
    figures = stage_figures(_result(64, hits=256, queries=400))
    assert figures["hit_rate"] == pytest.approx(0.64)
    assert (figures["prompt_tokens_from_cache"], figures["prompt_tokens_computed"]) == (256, 144)
    assert figures["prompt_tokens"] == 400
    assert figures["ttft_s_p50"] == pytest.approx(0.25)
    assert figures["ttft_s_p95"] == pytest.approx(0.385)
    assert figures["accuracy"] == 1.0


def test_stage_figures_without_lookups_have_no_hit_rate_and_compute_every_token() -> None:
    figures = stage_figures(_result(None, hits=0, queries=0))
    assert math.isnan(figures["hit_rate"]) and figures["prompt_tokens_computed"] == 400


def test_stage_metrics_sum_sessions_and_none_without_metrics() -> None:
    result = _result(None, 10, 20)
    second = result.stages[0].model_copy(update={"session": "s2"})
    both = BenchResult(records=result.records, stages=[*result.stages, second])
    assert stage_metrics(both, "synchronous").prefix_cache_hits == 20
    assert stage_metrics(BenchResult(records=result.records), "synchronous") is None


def test_api_charges_bill_cached_tokens_at_the_cached_price() -> None:
    bill = api_charges(_result(60, 0, 0), PRICE)
    per_request_plain = (100 * 1.0 + 11 * 2.0) / 1e6
    per_request_cached = (40 * 1.0 + 60 * 0.1 + 11 * 2.0) / 1e6
    assert bill["usd_without_cache"] == pytest.approx(4 * per_request_plain)
    assert bill["usd_with_cache"] == pytest.approx(4 * per_request_cached)
    assert bill["saving_pct"] == pytest.approx(100 * (1 - per_request_cached / per_request_plain))


def test_api_charges_with_a_stated_share_and_without_reported_cache() -> None:
    assert api_charges(_result(None, 0, 0), PRICE)["saving_pct"] == 0
    stated = api_charges(_result(None, 0, 0), PRICE, cached_share=0.6)
    reported = api_charges(_result(60, 0, 0), PRICE)
    assert stated["usd_with_cache"] == pytest.approx(reported["usd_with_cache"])
