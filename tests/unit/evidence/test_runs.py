"""Evidence from two runs' request records, paired by id."""

import pandas as pd
import pytest

from llmopt.bench import BenchResult
from llmopt.errors import ConfigError
from llmopt.evidence import compare_runs, paired
from tests.unit.bench.records import record


def _frame(n: int, **fields) -> pd.DataFrame:
    return BenchResult(records=[record(i, **fields) for i in range(n)]).frame()


def test_the_same_requests_are_paired_by_id() -> None:
    base = _frame(6)
    cand = _frame(6, latency_s=0.5, cost_usd=0.0005).iloc[::-1]  # another order
    ev = compare_runs(base, cand, cost="tokens", latency="latency_s")
    assert ev.quality.n == 6 and ev.quality.difference_points == 0.0
    assert ev.cost.exact and ev.cost.pct == pytest.approx(-50.0)
    assert ev.latency.ratio == pytest.approx(0.5) and ev.conflict is None
    assert set(paired(base, cand).columns) >= {"latency_s_b", "latency_s_c"}


def test_a_failed_request_counts_wrong_and_leaves_the_timings() -> None:
    base = _frame(4)
    cand = pd.concat([_frame(3), _frame(4, status="http_500", correct=False).iloc[3:]])
    ev = compare_runs(base, cand, cost="tokens", latency="ttft_s")
    assert ev.quality.baseline_only == 1 and ev.latency.n == 3


def test_warmup_requests_are_left_out() -> None:
    base = _frame(5, warmup=False)
    cand = pd.concat([_frame(5).iloc[:4], _frame(5, warmup=True).iloc[4:]])
    with pytest.raises(ConfigError, match="1 only in the baseline"):
        compare_runs(base, cand)


def test_throughput_cost_and_a_one_stream_conflict() -> None:
    base = _frame(32)
    # the median latency halves, but six very slow requests raise the sum: figures disagree
    slow = [record(i, latency_s=30.0 if i % 5 == 0 else 0.5) for i in range(32)]
    ev = compare_runs(base, BenchResult(records=slow).frame(), cost="throughput",
                      latency="latency_s", usd_per_hour=1.0, in_flight=1)
    assert ev.latency.ratio == pytest.approx(0.5)
    assert ev.cost.ratio > 1 and "warmed up" in (ev.conflict or "")


def test_bad_input_is_named() -> None:
    with pytest.raises(ConfigError, match="more than once"):
        compare_runs(pd.concat([_frame(2), _frame(2)]), _frame(2))
    with pytest.raises(ConfigError, match="usd_per_hour"):
        compare_runs(_frame(2), _frame(2), cost="throughput")
    with pytest.raises(ConfigError, match="unknown latency column"):
        compare_runs(_frame(2), _frame(2), latency="speed")
    with pytest.raises(ConfigError, match="n=0"):
        compare_runs(_frame(2).iloc[:0], _frame(2))


def _rounds(latencies: list[float], session_prefix: str) -> pd.DataFrame:
    """Four rounds (sessions) of three requests each, every request of round r at
    latencies[r] seconds."""
    records = [record(3 * r + i, session=f"{session_prefix}{r}", latency_s=latencies[r],
                      start_s=1000.0 + 10 * r + i) for r in range(4) for i in range(3)]
    return BenchResult(records=records).frame()


def test_interleaved_rounds_give_one_ratio_each() -> None:
    base = _rounds([1.0, 2.0, 1.0, 2.0], "b")
    cand = _rounds([0.5, 1.0, 0.5, 1.0], "c")  # half the baseline, round by round
    ev = compare_runs(base, cand, cost="throughput", latency="latency_s", usd_per_hour=1.0)
    assert ev.latency.ratio == pytest.approx(0.5) and ev.cost.ratio == pytest.approx(0.5)
    assert ev.latency.n == ev.cost.n == 4 and "4 interleaved rounds" in ev.cost.method
    assert ev.quality.n == 12 and ev.conflict is None
    noisy = compare_runs(base, _rounds([1.1, 1.8, 0.9, 2.2], "c"), cost="throughput",
                         latency="latency_s", usd_per_hour=1.0)
    assert noisy.cost.direction == noisy.latency.direction == "no measurable change"
