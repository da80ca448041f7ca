"""The sweep table and the pick, on hand-built benchmark records (numbers by hand)."""

from datetime import date

import pytest

from llmopt.bench import BenchResult, RequestRecord
from llmopt.compress import Compressed, Compression
from llmopt.compress.sweep import decisions, measure, strongest, sweep
from llmopt.errors import ConfigError
from llmopt.pricing import Price
from llmopt.workload import WorkloadItem

PRICE = Price(provider="t", model="m", input=2.0, output=8.0, source="test",
              as_of=date(2026, 1, 1))


def run(prompt_tokens: int, ttft_s: float, correct: list[bool], cost: float = 0.001):
    records = [RequestRecord(
        id=f"r{n}", tier="easy" if n % 2 == 0 else "hard", stage="synchronous", concurrency=1,
        target_rate=None, session="s", model="m", scheduled_s=None, start_s=1000.0 + n,
        end_s=1001.0 + n, ttft_s=ttft_s, latency_s=1.0, prompt_tokens=prompt_tokens,
        output_tokens=10, usage_source="server", status="ok", attempts=1, correct=ok,
        fields_ok={"intent": True, "amount": ok}, cost_usd=cost)
        for n, ok in enumerate(correct)]
    return BenchResult(records=records)


def compressed(kind: str, rate: float, per_request: bool, ms: float, n: int = 1) -> Compressed:
    items = [WorkloadItem(id=f"r{i}", system="s", user="u") for i in range(n)]
    call = Compression(kind=kind, setting=f"rate {rate}", rate=rate, target_token=None,
                       original="x y", compressed="x", seconds=ms / 1000, forced=[], missing=[])
    return Compressed(kind=kind, setting=f"rate {rate}", rate=rate, items=items,
                      compressions=[call] * n, per_request=per_request, timings_s=[ms / 1000])


@pytest.fixture
def table():
    ten = [True] * 10
    rows = [measure(run(500, 0.050, ten))]
    rows.append(measure(run(300, 0.040, ten, 0.0008), "a", 0.5, compressed("a", 0.5, False, 9)))
    rows.append(measure(run(200, 0.030, [False] + [True] * 9, 0.0007), "a", 0.3,
                        compressed("a", 0.3, False, 9)))
    rows.append(measure(run(250, 0.035, ten, 0.0007), "b", 0.5, compressed("b", 0.5, True, 20)))
    return sweep(rows, PRICE)


def test_changes_against_the_baseline(table):
    a05 = table.iloc[1]
    assert a05["reduction_pct"] == pytest.approx(40.0)
    assert a05["usd_saved_per_million_requests"] == pytest.approx(200 * 2.0)
    assert a05["prefill_saved_ms"] == pytest.approx(10.0)
    assert a05["compressor_ms_per_request"] == 0.0  # a shared prompt: compressed once
    b05 = table.iloc[3]
    assert b05["compressor_ms_per_request"] == pytest.approx(20.0)  # paid by every request
    assert b05["net_ttft_saved_ms"] == pytest.approx(15.0 - 20.0)
    a03 = table.iloc[2]
    assert a03["delta_accuracy_points"] == pytest.approx(-10.0)
    assert a03["accuracy_easy"] == pytest.approx(0.8) and a03["accuracy_hard"] == 1.0
    assert a03["intent_ok"] == 1.0 and a03["amount_ok"] == pytest.approx(0.9)


def test_decisions_pair_every_setting_with_the_baseline():
    ten = [True] * 10
    runs = {"none": run(500, 0.050, ten), "a-0.5": run(300, 0.040, ten, 0.0008),
            "a-0.3": run(200, 0.030, [False] * 5 + [True] * 5, 0.0007),
            "b-0.5": run(250, 0.035, ten, 0.0007)}
    settings = {"a-0.5": compressed("a", 0.5, False, 9), "a-0.3": compressed("a", 0.3, False, 9),
                "b-0.5": compressed("b", 0.5, True, 20, n=10)}
    made = decisions(runs, settings, budget_points=2.0)
    a05, a03, b05 = made
    assert a05.verdict == "keep" and a05.setting == "rate 0.5 (-40% tokens)"
    assert a05.evidence.cost.exact and a05.evidence.cost.pct == pytest.approx(-20.0)
    assert a05.evidence.latency.ratio == pytest.approx(0.8)  # shared prompt: no compressor wait
    assert a03.verdict == "drop" and "loses 50.0 points" in a03.why
    # b compresses per request: every request waits 20 ms on top of its 35 ms TTFT
    assert b05.evidence.latency.candidate == pytest.approx(0.055)
    assert b05.verdict == "keep" and "but TTFT + compressor p50 +10.0%" in b05.why
    assert strongest(made, settings) == "b-0.5"  # the cheapest kept setting
    assert strongest(made[:1], {"a-0.5": settings["a-0.5"]}) == "a-0.5"


def test_bad_inputs_are_errors(table):
    with pytest.raises(ConfigError, match="no baseline run 'none'"):
        decisions({"a": run(500, 0.05, [True])}, {}, budget_points=2.0)
    with pytest.raises(ConfigError, match="exactly one baseline row"):
        sweep([measure(run(500, 0.05, [True]), "a", 0.5)], PRICE)
