"""The sweep table and the pick, on hand-built benchmark records (numbers by hand)."""

from datetime import date

import pytest

from llmopt.bench import BenchResult, RequestRecord
from llmopt.compress import Compressed, Compression
from llmopt.compress.sweep import interleave, measure, pick, sweep
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


def compressed(kind: str, rate: float, per_request: bool, ms: float) -> Compressed:
    item = WorkloadItem(id="a", system="s", user="u")
    call = Compression(kind=kind, setting=f"rate {rate}", rate=rate, target_token=None,
                       original="x y", compressed="x", seconds=ms / 1000, forced=[], missing=[])
    return Compressed(kind=kind, setting=f"rate {rate}", rate=rate, items=[item],
                      compressions=[call], per_request=per_request, timings_s=[ms / 1000])


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


def test_pick_takes_the_strongest_within_the_limit(table):
    assert pick(table)["setting"] == "b rate 0.5"  # -50% tokens; a at 0.3 loses 10 points
    assert pick(table, method="a")["rate"] == 0.5
    assert pick(table, max_drop_points=10)["rate"] == 0.3
    strict = table.assign(delta_accuracy_points=-5.0)
    assert pick(strict) is None


def test_bad_inputs_are_errors(table):
    with pytest.raises(ConfigError, match="method 'c'.*have: a, b"):
        pick(table, method="c")
    with pytest.raises(ConfigError, match="max_drop_points must be >= 0"):
        pick(table, max_drop_points=-1)
    with pytest.raises(ConfigError, match="exactly one baseline row"):
        sweep([measure(run(500, 0.05, [True]), "a", 0.5)], PRICE)


def test_interleave_spreads_every_setting_over_the_rounds():
    items = [WorkloadItem(id=f"i{n}", system="s", user="u") for n in range(5)]
    plan = interleave({"base": items, ("a", 0.5): items[:2]}, rounds=2)
    assert [(key, r, [i.id for i in chunk]) for key, r, chunk in plan] == [
        ("base", 0, ["i0", "i2", "i4"]), (("a", 0.5), 0, ["i0"]),
        ("base", 1, ["i1", "i3"]), (("a", 0.5), 1, ["i1"])]
    assert [key for key, _, _ in interleave({"x": items[:1]}, rounds=3)] == ["x"]
    with pytest.raises(ConfigError, match="rounds must be >= 1"):
        interleave({"x": items}, rounds=0)
