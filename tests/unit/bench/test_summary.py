import math

import numpy as np
import pandas as pd
import pytest

from llmopt.bench import BenchResult, StageRun
from llmopt.serve.metrics import Histogram, MetricsDelta

from .records import record


def ten_requests() -> list:
    """Ten back-to-back 1 s requests (TTFT 0.1 .. 1.0 s); r9 failed; r0 is warmup."""
    rows = [record(n, ttft_s=(n + 1) / 10, tier="easy" if n % 2 else "hard") for n in range(9)]
    rows.append(record(9, status="http_500", error="boom", ttft_s=None, tpot_s=None,
                       itl_mean_s=None, output_tokens=0, correct=False, fields_ok=None,
                       usage_source="client", cost_usd=0.0005))
    rows[0] = rows[0].model_copy(update={"warmup": True})
    return rows


def test_counts_rates_and_percentiles() -> None:
    row = BenchResult(records=ten_requests()).summary().iloc[0]
    assert (row["requests"], row["ok"], row["failed"], row["warmup"]) == (9, 8, 1, 1)
    assert row["duration_s"] == pytest.approx(9.0)  # r1 starts at 1001, r9 ends at 1010
    assert row["req_per_s"] == pytest.approx(8 / 9)
    assert row["output_tokens_per_s"] == pytest.approx(8 * 11 / 9)
    assert row["total_tokens_per_s"] == pytest.approx(8 * 111 / 9)
    ttfts = [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    assert row["ttft_s_mean"] == pytest.approx(np.mean(ttfts))
    assert row["ttft_s_p50"] == pytest.approx(np.percentile(ttfts, 50))
    assert row["ttft_s_p90"] == pytest.approx(np.percentile(ttfts, 90))
    assert row["ttft_s_p99"] == pytest.approx(np.percentile(ttfts, 99))
    assert row["latency_s_p50"] == pytest.approx(1.0)


def test_accuracy_counts_failures_as_wrong_and_splits_by_tier() -> None:
    rows = ten_requests()
    rows[3] = rows[3].model_copy(update={"correct": False})  # hard tier: r2 r4 r6 r8 / easy
    row = BenchResult(records=rows).summary().iloc[0]
    assert row["accuracy"] == pytest.approx(7 / 9)
    assert row["accuracy_easy"] == pytest.approx(3 / 5)  # r1 r3(wrong) r5 r7 r9(failed)
    assert row["accuracy_hard"] == pytest.approx(1.0)


def test_cost_includes_failed_requests() -> None:
    row = BenchResult(records=ten_requests()).summary().iloc[0]
    assert row["cost_usd"] == pytest.approx(8 * 0.001 + 0.0005)
    assert row["usd_per_request"] == pytest.approx(row["cost_usd"] / 9)
    tokens = 8 * 111 + 100
    assert row["usd_per_million_tokens"] == pytest.approx(row["cost_usd"] / tokens * 1e6)


def test_no_price_gives_no_cost() -> None:
    rows = [record(n, cost_usd=None) for n in range(3)]
    assert math.isnan(BenchResult(records=rows).summary().iloc[0]["cost_usd"])


def test_sessions_of_a_resumed_stage_do_not_count_the_pause() -> None:
    rows = [record(0), record(1), record(2, session="s2", start_s=5000.0, end_s=5002.0)]
    assert BenchResult(records=rows).summary().iloc[0]["duration_s"] == pytest.approx(4.0)


def test_wasted_requests_are_counted() -> None:
    rows = [record(0), record(1, wasted=True), record(2, wasted=True)]
    assert BenchResult(records=rows).summary().iloc[0]["wasted"] == 2


def test_one_row_per_stage_in_run_order() -> None:
    rows = [record(0, stage="synchronous"), record(1, stage="concurrent@4", concurrency=4),
            record(2, stage="constant@2/s", concurrency=None, target_rate=2.0)]
    table = BenchResult(records=rows).summary()
    assert list(table["stage"]) == ["synchronous", "concurrent@4", "constant@2/s"]
    assert list(table["kind"]) == ["synchronous", "concurrent", "constant"]
    assert table.iloc[2]["target_rate"] == 2.0


def test_token_check_against_server_counters() -> None:
    rows = [record(n) for n in range(4)]
    rows[0] = rows[0].model_copy(update={"warmup": True})  # the server counts warmup too
    metrics = MetricsDelta(prompt_tokens=400, generation_tokens=40, request_success=4,
                           time_to_first_token_seconds=Histogram(sum=0.6, count=4))
    run = StageRun(stage="synchronous", profile={}, session="s1", started_s=0, ended_s=1,
                   sent=4, metrics=metrics)
    row = BenchResult(records=rows, stages=[run]).summary().iloc[0]
    assert row["server_prompt_tokens"] == 400 and row["prompt_tokens_diff"] == 0
    assert row["server_output_tokens"] == 40 and row["output_tokens_diff"] == 4  # reported
    assert row["server_ttft_s_mean"] == pytest.approx(0.15)


def test_tokenizer_cross_check() -> None:
    rows = [record(0, client_prompt_tokens=100), record(1, client_prompt_tokens=97), record(2)]
    row = BenchResult(records=rows).summary().iloc[0]
    assert (row["tokenizer_prompt_diff"], row["tokenizer_mismatches"]) == (-3, 1)


def test_a_stage_with_only_failures_has_no_rates() -> None:
    rows = [record(n, status="timeout", ttft_s=None) for n in range(2)]
    row = BenchResult(records=rows).summary().iloc[0]
    assert (row["ok"], row["failed"]) == (0, 2) and row["req_per_s"] == 0
    assert math.isnan(row["ttft_s_p50"])


def test_frame_has_one_row_per_record_and_every_column() -> None:
    frame = BenchResult(records=ten_requests()).frame()
    assert len(frame) == 10 and isinstance(frame, pd.DataFrame)
    assert BenchResult().frame().columns.tolist() == frame.columns.tolist()
    assert BenchResult().summary().empty
