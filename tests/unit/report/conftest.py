"""Benchmark-shaped frames for the report tests: the per-stage summary and per-request frame
with the columns llmopt's benchmark writes."""

from __future__ import annotations

import pandas as pd
import pytest

METRICS = ("ttft_s", "tpot_s", "itl_mean_s", "latency_s")


@pytest.fixture
def summary() -> pd.DataFrame:
    rows = []
    for i, concurrency in enumerate([1, 4, 16]):
        row = {"stage": f"c{concurrency}", "concurrency": concurrency, "target_rate": None,
               "requests": 40, "ok": 40 - i, "failed": i, "wasted": 0, "duration_s": 60.0,
               "req_per_s": 0.5 * (i + 1), "output_tokens_per_s": 50.0 * (i + 1),
               "total_tokens_per_s": 500.0 * (i + 1), "accuracy": 0.9 - 0.05 * i,
               "cost_usd": 0.1, "usd_per_request": 0.0025,
               "usd_per_million_tokens": 2.0 / (i + 1)}
        for metric in METRICS:
            for j, stat in enumerate(["mean", "p50", "p90", "p99"]):
                row[f"{metric}_{stat}"] = 0.1 * (i + 1) * (1 + j)
        rows.append(row)
    return pd.DataFrame(rows)


@pytest.fixture
def requests() -> pd.DataFrame:
    """12 requests: 2 warm-up, then easy (4 ok: 3 correct) and hard (5 ok: 2 correct, and
    1 failed, recorded as wrong as the benchmark does)."""
    rows = [_row(0, "easy", True, "ok", True), _row(1, "hard", True, "ok", False)]
    rows += [_row(2 + i, "easy", False, "ok", i < 3) for i in range(4)]
    rows += [_row(6 + i, "hard", False, "ok", i < 2) for i in range(5)]
    rows += [_row(11, "hard", False, "error", False)]
    return pd.DataFrame(rows)


def _row(i: int, tier: str, warmup: bool, status: str, correct: bool | None) -> dict:
    ok = status == "ok"
    return {"id": f"r{i}", "tier": tier, "stage": "c4", "concurrency": 4, "target_rate": None,
            "warmup": warmup, "ttft_s": 0.05 if ok else None, "tpot_s": 0.01 if ok else None,
            "latency_s": 0.1 * (i + 1) if ok else None, "prompt_tokens": 1000,
            "cached_tokens": 800, "output_tokens": 100 if ok else 0, "status": status,
            "correct": correct, "cost_usd": 0.001}
