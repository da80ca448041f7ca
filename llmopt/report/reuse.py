"""Prefix reuse on the server, as measured by a bench run: per-stage figures (hit rate, prompt
tokens computed vs served from cache, TTFT p50/p95, tokens/s) and what an API with cached-input
prices would charge for the same traffic. Pure functions of a `BenchResult`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from llmopt.bench.result import BenchResult
from llmopt.pricing import Price, request_cost
from llmopt.serve.metrics import MetricsDelta


def stage_figures(result: BenchResult, stage: str | None = None) -> dict:
    """One stage's figures (the first stage when `stage` is None): the server's prefix-cache
    counters from /metrics and the client's TTFT, throughput and accuracy."""
    frame = result.frame()
    frame = frame[~frame["warmup"].astype(bool)]
    stage = stage or (result.stages[0].stage if result.stages else frame["stage"].iloc[0])
    rows = frame[frame["stage"] == stage]
    ok = rows[rows["status"] == "ok"]
    delta = stage_metrics(result, stage)
    ttft = ok["ttft_s"].astype(float).dropna().to_numpy()
    summary = result.summary().set_index("stage").loc[stage]
    hits = delta.prefix_cache_hits if delta else np.nan
    queries = delta.prefix_cache_queries if delta else np.nan
    computed = delta.prompt_tokens - hits if delta else np.nan  # the server's prefill count
    return {
        "stage": stage, "requests": len(rows), "ok": len(ok),
        "hit_rate": hits / queries if queries else np.nan,
        "prompt_tokens": float(ok["prompt_tokens"].sum()),
        "prompt_tokens_from_cache": hits, "prompt_tokens_computed": computed,
        "ttft_s_p50": float(np.percentile(ttft, 50)) if len(ttft) else np.nan,
        "ttft_s_p95": float(np.percentile(ttft, 95)) if len(ttft) else np.nan,
        "output_tokens_per_s": float(summary["output_tokens_per_s"]),
        "total_tokens_per_s": float(summary["total_tokens_per_s"]),
        "accuracy": float(summary["accuracy"]),
    }


def stage_metrics(result: BenchResult, stage: str) -> MetricsDelta | None:
    """The server's /metrics delta over `stage`, or None. A stage resumed over several sessions
    gets its counters summed (histograms are kept from the first session only)."""
    deltas = [s.metrics for s in result.stages if s.stage == stage and s.metrics is not None]
    if not deltas:
        return None
    counters = {k: sum(getattr(d, k) for d in deltas) for k, v in deltas[0] if isinstance(v, float)}
    return deltas[0].model_copy(update=counters)


def api_charges(result: BenchResult, price: Price, cached_share: float | None = None) -> dict:
    """What an API at `price` charges for the ok requests of `result`: without any cache, and
    with its cached-input price on the prompt tokens the server served from cache (each
    record's `cached_tokens`, or `cached_share` of every prompt when given)."""
    frame = result.frame()
    ok = frame[(frame["status"] == "ok") & ~frame["warmup"].astype(bool)]
    plain = cached = 0.0
    for prompt, hit, output in zip(ok["prompt_tokens"], ok["cached_tokens"], ok["output_tokens"],
                                   strict=True):
        hit = prompt * cached_share if cached_share is not None else (0 if pd.isna(hit) else hit)
        plain += request_cost(price, prompt, 0, output)
        cached += request_cost(price, prompt, min(hit, prompt), output)
    return {"requests": len(ok), "usd_without_cache": plain, "usd_with_cache": cached,
            "saving_pct": 100 * (1 - cached / plain) if plain else np.nan,
            "price": f"{price.provider}/{price.model}: input ${price.input}/1M, cached input "
                     f"${price.cached_input}/1M, output ${price.output}/1M ({price.source})"}
