"""Speculation tables: the speed-up and its interval, where it stops paying, the chart, greedy
outputs compared by id."""

import pandas as pd
import pytest

from llmopt.bench import BenchResult, Pair, StageRun
from llmopt.errors import ConfigError
from llmopt.evidence import compare_runs
from llmopt.report.speculation import chart, compare_outputs, crossover, crossovers, table
from llmopt.serve import MetricsDelta
from tests.unit.bench.records import record

DRAFTS = MetricsDelta(spec_decode_num_drafts=10, spec_decode_num_draft_tokens=30,
                      spec_decode_num_accepted_tokens=12)


def _result(latency_s: float, stage: str, metrics: MetricsDelta | None = None) -> BenchResult:
    run = StageRun(stage=stage, profile={}, session="s1", started_s=0.0, ended_s=1.0, sent=8,
                   metrics=metrics)
    return BenchResult(records=[record(i, stage=stage, latency_s=latency_s * (1 + i / 100))
                                for i in range(8)], stages=[run])


def _pairs(speedups: dict[int, float]) -> dict[int, Pair]:
    return {c: Pair(_result(1.0, f"c{c}"), _result(1.0 / s, f"c{c}", DRAFTS))
            for c, s in speedups.items()}


def _table(speeds: dict[str, dict[int, float]]) -> pd.DataFrame:
    pairs = {m: _pairs(s) for m, s in speeds.items()}
    evidence = {(m, c): compare_runs(p.baseline.frame(), p.candidate.frame(), cost="throughput",
                                     latency="tpot_s", usd_per_hour=1.0, in_flight=c)
                for m, by_c in pairs.items() for c, p in by_c.items()}
    return table(pairs, evidence)


def test_the_table_reads_the_speed_up_and_the_drafts() -> None:
    frame = _table({"ngram": {1: 1.5, 32: 0.8}})
    one = frame.set_index("concurrency").loc[1]
    assert one["speedup"] == pytest.approx(1.5) and one["pays"]
    assert one["speedup_low"] <= one["speedup"] <= one["speedup_high"]
    assert (one["draft_tokens"], one["accepted_tokens"]) == (30, 12)
    assert one["mean_accepted_length"] == pytest.approx(2.2)


def test_crossover_is_the_first_load_that_no_longer_pays() -> None:
    frame = _table({"ngram": {1: 1.5, 8: 1.2, 32: 0.8}, "draft_model": {1: 0.9, 8: 0.8},
                    "eagle3": {1: 2.0, 8: 1.5}})
    assert crossover(frame, "ngram") == 32
    assert crossover(frame, "draft_model") == 1
    assert crossover(frame, "eagle3") is None
    said = crossovers(frame)
    assert said.loc["ngram", "verdict"] == "stops paying at 32 in flight"
    assert said.loc["eagle3", "verdict"] == "pays at every load measured (up to 8)"
    assert said.loc["ngram", "speed-up by load"].startswith("1: 1.50x [")
    with pytest.raises(ConfigError, match="no rows of method 'mtp'"):
        crossover(frame, "mtp")
    assert chart(frame, label="Demo world").to_dict()["title"]["subtitle"] == "Demo world"


def test_missing_columns_are_named() -> None:
    with pytest.raises(ConfigError, match="lacks column"):
        crossover(pd.DataFrame({"method": ["x"]}), "x")


def test_compare_outputs_counts_identical_and_lists_mismatches() -> None:
    base = pd.DataFrame({"id": ["a", "b", "c", "d"], "text": ["1", "2", "3", "4"],
                         "status": ["ok", "ok", "ok", "http_500"]})
    spec = pd.DataFrame({"id": ["c", "b", "a", "d"], "text": ["3", "two", "1", "4"],
                         "status": ["ok"] * 4})
    assert compare_outputs(base, spec) == {"compared": 3, "identical": 2, "mismatched_ids": ["b"]}
