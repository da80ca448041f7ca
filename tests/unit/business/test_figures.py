"""A measured setting's bill, quality, timings and throughput, worked by hand.

The price: $2 input, $0.50 cached input, $8 output per 1M tokens. A request of 1,000 prompt
tokens (400 cached) and 100 output tokens bills 600*2 + 400*0.5 + 100*8 = $2,200 per 1M.
"""

from __future__ import annotations

import pandas as pd
import pytest

from llmopt.business.figures import figures, gpu_hours_per_million, measured, priced
from llmopt.errors import ConfigError
from tests.unit.bench.records import record
from tests.unit.business.records import PRICE, frame_of, run


def test_cached_tokens_are_the_probed_prefix_or_the_servers_own_count():
    records = [record(0, prompt_tokens=1000, output_tokens=100),
               record(1, prompt_tokens=1000, output_tokens=100, cached_tokens=900),
               record(2, prompt_tokens=300, warmup=True), record(3, prompt_tokens=300)]
    probed = priced(run(*records), PRICE, cached_tokens=400)
    assert list(probed["id"]) == ["r0", "r1", "r3"]  # the warm-up is not measured
    assert list(probed["cached_input_tokens"]) == [400, 400, 300]  # the probe's, at most all
    assert probed["cost_usd"].iloc[0] == pytest.approx(2200e-6)
    assert (probed["cost_usd"] == probed[["input_usd", "cached_input_usd", "output_usd"]]
            .sum(axis=1)).all()
    own = priced(run(*records), PRICE)  # no probe (no /metrics): the server's count, else 0
    assert list(own["cached_input_tokens"]) == [0, 900, 0]
    assert own["cost_usd"].iloc[0] == pytest.approx((1000 * 2 + 100 * 8) / 1e6)


def test_a_price_without_a_cached_rate_bills_cached_tokens_as_input():
    flat = PRICE.model_copy(update={"cached_input": None})
    frame = priced(run(record(0, prompt_tokens=1000, output_tokens=0, cached_tokens=400)), flat)
    assert frame["cost_usd"].iloc[0] == pytest.approx(2000e-6)


def test_the_figures_of_a_setting_worked_by_hand():
    frame = frame_of([{"tier": "easy", "correct": True, "latency_s": 1.0, "ttft_s": 0.1},
                      {"tier": "easy", "correct": True, "latency_s": 3.0, "ttft_s": 0.3},
                      {"tier": "hard", "correct": False, "latency_s": 2.0, "ttft_s": 0.2},
                      {"tier": "hard", "correct": True, "latency_s": 2.0, "ttft_s": 0.2}])
    row = figures(frame, concurrency=2)
    assert row["usd_per_million_requests"] == pytest.approx(2200)
    assert (row["input_usd_per_million_requests"], row["cached_input_usd_per_million_requests"],
            row["output_usd_per_million_requests"]) == pytest.approx((1200, 200, 800))
    assert (row["accuracy"], row["accuracy_easy"], row["accuracy_hard"]) == (0.75, 1.0, 0.5)
    assert row["latency_p50_s"] == 2.0 and row["ttft_p50_s"] == pytest.approx(0.2)
    # 8 s of latency over 2 in flight: 4 server-seconds for 4 requests, 1 request/s
    assert row["requests_per_s"] == pytest.approx(1.0)
    assert row["gpu_hours_per_million"] == pytest.approx(1e6 / 3600)
    assert row["cache_hit_rate"] is None and row["strong_share"] is None


def test_a_cache_hit_costs_no_tokens_and_no_server_time():
    frame = frame_of([{"latency_s": 2.0}, {"latency_s": 2.0}, {"latency_s": 2.0},
                      {"latency_s": 2.0, "cache_hit": True}])
    frame.loc[3, ["cost_usd", "prompt_tokens", "output_tokens", "latency_s"]] = [0.0, 0, 0, 0.001]
    row = figures(frame, concurrency=1)
    assert row["cache_hit_rate"] == 0.25 and row["usd_per_million_requests"] == pytest.approx(1650)
    assert gpu_hours_per_million(frame, 1) == pytest.approx(6 / 4 * 1e6 / 3600)
    money = measured(frame, concurrency=1)
    assert money.response_cache_hit_rate == 0.25
    assert money.tokens.input == 1000 and money.tokens.output == 100  # per request sent
    assert money.throughput.gpu_hours_per_million == pytest.approx(2 * 1e6 / 3600)


def test_a_routed_setting_gives_the_strong_share_and_each_tiers_figures():
    frame = frame_of([{"route": "strong", "latency_s": 4.0}, {"route": "cheap", "latency_s": 1.0},
                      {"route": "cheap", "latency_s": 1.0}, {"route": "cheap", "latency_s": 1.0}])
    assert figures(frame, 1)["strong_share"] == 0.25
    money = measured(frame, concurrency=1)
    assert money.strong_share == 0.25 and money.strong_tokens.output == 100
    assert money.cheap_throughput.gpu_hours_per_million == pytest.approx(1e6 / 3600)
    assert money.throughput.gpu_hours_per_million == pytest.approx(7 / 4 * 1e6 / 3600)


def test_unpriced_records_and_bad_concurrency_are_refused():
    with pytest.raises(ConfigError, match="lack column.*cost_usd.*price them first"):
        figures(pd.DataFrame({"id": ["a"]}), 1)
    with pytest.raises(ConfigError, match="concurrency must be >= 1"):
        gpu_hours_per_million(frame_of([{}]), 0)
    with pytest.raises(ConfigError, match="n=0"):
        figures(frame_of([{}]).iloc[:0], 1)
