"""Running statistics of a benchmark in progress, for a live view: pure functions of the
records received so far, computed as llmopt.bench.summary computes a finished stage.

Warm-up requests are counted but left out of every statistic. Latency percentiles and
throughput use the successful requests, accuracy the graded ones (llmopt.report.quality), cost
all of them (failed requests are billed too). Throughput divides by the span from the first
measured request's `start_s` to the last one's `end_s`; for records without those times, by
the `elapsed_s` the caller has watched the run for.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from llmopt.report.quality import accuracy, outcomes
from llmopt.report.records import is_ok, measured, records_frame


def running_stats(records: Iterable[Any], elapsed_s: float | None = None,
                  stage: str | None = None) -> dict[str, Any]:
    """Counters and statistics of the records so far (of `stage` only, if given). Keys: done,
    warmup, ok, failed, graded, accuracy, latency_s_p50, latency_s_p90, ttft_s_p50,
    output_tokens, output_tokens_per_s, req_per_s, duration_s, cost_usd, stage (of the latest
    record). None where there is nothing to compute from."""
    frame = records_frame(records)
    if stage is not None:
        frame = frame[frame["stage"] == stage]
    rows = measured(frame)
    good = rows[rows["status"].map(is_ok).astype(bool)]
    output_tokens = _total(good["output_tokens"])
    duration = _span(rows) or elapsed_s
    return {
        "done": len(frame),
        "warmup": len(frame) - len(rows),
        "ok": len(good),
        "failed": len(rows) - len(good),
        "graded": int(outcomes(rows).notna().sum()),
        "accuracy": accuracy(rows),
        "latency_s_p50": _percentile(good["latency_s"], 50),
        "latency_s_p90": _percentile(good["latency_s"], 90),
        "ttft_s_p50": _percentile(good["ttft_s"], 50),
        "output_tokens": int(output_tokens),
        "output_tokens_per_s": _rate(output_tokens, duration),
        "req_per_s": _rate(len(good), duration),
        "duration_s": duration,
        "cost_usd": _total(rows["cost_usd"]),
        "stage": frame["stage"].iloc[-1] if len(frame) else None,
    }


def running_frame(records: Iterable[Any]) -> pd.DataFrame:
    """One row per measured request in arrival order: n (1, 2, ...), stage, status, latency_s,
    and running_p50_latency_s (median latency of the stage's successful requests so far)."""
    rows = measured(records_frame(records)).reset_index(drop=True)
    latency = _as_float(rows["latency_s"])
    ok_latency = latency.where(rows["status"].map(is_ok).astype(bool))
    stage = rows["stage"].astype(str)
    running = ok_latency.groupby(stage).transform(lambda s: s.expanding().median())
    return pd.DataFrame({
        "n": np.arange(1, len(rows) + 1),
        "stage": stage.astype(object),
        "status": rows["status"].astype(object),
        "latency_s": latency,
        "running_p50_latency_s": running.astype(float),
    })


def _as_float(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="coerce").astype(float)


def _percentile(values: pd.Series, q: float) -> float | None:
    numbers = _as_float(values).dropna()
    return float(np.percentile(numbers, q)) if len(numbers) else None


def _total(values: pd.Series) -> float:
    return float(_as_float(values).sum())


def _span(rows: pd.DataFrame) -> float | None:
    """Seconds from the first start to the last end, where the records have those times."""
    start, end = _as_float(rows["start_s"]).min(), _as_float(rows["end_s"]).max()
    span = float(end - start)
    return span if span > 0 else None


def _rate(amount: float, seconds: float | None) -> float | None:
    if seconds is None or not seconds > 0:
        return None
    return amount / seconds
