"""A measured setting's figures, from its request records: the API bill split into input,
cached input and output tokens, accuracy per tier, TTFT and latency percentiles, throughput and
GPU-hours, the response cache's hit rate and the strong tier's share; and the same setting as
the money model's `Measured`.

Throughput comes from the closed loop each part of a setting ran in (`concurrency` requests in
flight per server, Little's law): the server time of a request is its latency over the
concurrency, so GPU-hours per 1M requests = sum(latency of the requests sent) / concurrency /
requests x 1e6 / 3600, and requests/s its inverse. A request the response cache answered sent
nothing: it costs no tokens and no server time.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from llmopt.bench.result import BenchResult
from llmopt.business.inputs import Measured, Throughput, Tokens
from llmopt.errors import ConfigError
from llmopt.pricing import Price

PER_MILLION = 1_000_000
BILL = ("input_usd", "cached_input_usd", "output_usd")


def priced(result: BenchResult, price: Price, cached_tokens: float | None = None
           ) -> pd.DataFrame:
    """The measured (non-warm-up) records of `result`, each billed at `price`. Cached prompt
    tokens are `cached_tokens` per request where given (what a fresh request of the same
    setting had served from the prefix cache, at most its prompt: `Runner` probes it), else the
    record's own (`cached_tokens`, where the server reports them), else 0."""
    frame = result.frame()
    frame = frame[~frame["warmup"].astype(bool)].reset_index(drop=True)
    prompt = frame["prompt_tokens"].astype(float)
    cached = prompt.clip(upper=cached_tokens) if cached_tokens is not None else \
        frame["cached_tokens"].astype(float).fillna(0.0).clip(upper=prompt)
    cached_rate = price.input if price.cached_input is None else price.cached_input
    bill = {"input_usd": (prompt - cached) * price.input,
            "cached_input_usd": cached * cached_rate,
            "output_usd": frame["output_tokens"].astype(float) * price.output}
    frame = frame.assign(cached_input_tokens=cached,
                         **{k: v / PER_MILLION for k, v in bill.items()})
    return frame.assign(cost_usd=frame[list(BILL)].sum(axis=1))


def figures(frame: pd.DataFrame, concurrency: int) -> dict[str, Any]:
    """One setting's row: requests, the API bill per 1M requests (input, cached input, output,
    total), accuracy overall and per tier, TTFT and latency p50/p95 (s), requests/s and
    GPU-hours per 1M requests, the cache hit rate and the strong tier's share (None where the
    setting has no cache or no router)."""
    _check(frame)
    ok = frame[frame["status"] == "ok"]
    correct = frame["correct"].fillna(False).astype(bool)
    row: dict[str, Any] = {"requests": len(frame), "failed": int((frame["status"] != "ok").sum())}
    row |= {f"{k.removesuffix('_usd')}_usd_per_million_requests": PER_MILLION * frame[k].mean()
            for k in BILL}
    row["usd_per_million_requests"] = PER_MILLION * frame["cost_usd"].mean()
    row["accuracy"] = float(correct.mean())
    row |= {f"accuracy_{tier}": float(correct[frame["tier"] == tier].mean())
            for tier in sorted(frame["tier"].unique())}
    for column in ("ttft_s", "latency_s"):
        values = ok[column].dropna().astype(float)
        row |= {f"{column.removesuffix('_s')}_p{q}_s": _percentile(values, q) for q in (50, 95)}
    hours = gpu_hours_per_million(frame, concurrency)
    row |= {"requests_per_s": PER_MILLION / (hours * 3600), "gpu_hours_per_million": hours,
            "cache_hit_rate": float(frame["cache_hit"].mean()) if _has_cache(frame) else None,
            "strong_share": _strong_share(frame)}
    return row


def measured(frame: pd.DataFrame, concurrency: int) -> Measured:
    """The setting as the money model takes it: tokens and server time per request sent (the
    response cache's hits enter as its hit rate), and with a router the strong tier's share,
    its requests' tokens and the cheap tier's throughput."""
    _check(frame)
    sent = _sent(frame)
    strong = sent[sent["route"] == "strong"]
    cheap = sent[sent["route"] == "cheap"]
    fields: dict[str, Any] = {
        "tokens": _tokens(sent),
        "throughput": Throughput(gpu_hours_per_million=gpu_hours_per_million(sent, concurrency)),
        "response_cache_hit_rate": float(frame["cache_hit"].mean()) if _has_cache(frame) else 0.0}
    if len(cheap):
        fields |= {"strong_share": len(strong) / len(sent), "strong_tokens": _tokens(strong),
                   "cheap_throughput": Throughput(
                       gpu_hours_per_million=gpu_hours_per_million(cheap, concurrency))}
    return Measured(**fields)


def gpu_hours_per_million(frame: pd.DataFrame, concurrency: int) -> float:
    """Server hours per 1M of `frame`'s requests: the latency of those sent, over the
    closed loop's `concurrency`."""
    if concurrency < 1:
        raise ConfigError(f"concurrency must be >= 1 request in flight, got {concurrency}")
    seconds = _sent(frame)["latency_s"].astype(float).sum() / concurrency
    if not seconds > 0:
        raise ConfigError("no request was sent (or none took any time): no throughput to "
                          "measure")
    return seconds / len(frame) * PER_MILLION / 3600


def _tokens(rows: pd.DataFrame) -> Tokens:
    return Tokens(input=float(rows["prompt_tokens"].mean()),
                  cached_input=float(rows["cached_input_tokens"].mean()),
                  output=float(rows["output_tokens"].mean()))


def _sent(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[~frame["cache_hit"].astype(bool)] if "cache_hit" in frame else frame


def _has_cache(frame: pd.DataFrame) -> bool:
    """A setting with a response cache has a `cache_hit` column (one without, none)."""
    return "cache_hit" in frame


def _strong_share(frame: pd.DataFrame) -> float | None:
    sent = _sent(frame)
    if "route" not in sent or not (sent["route"] == "cheap").any():
        return None
    return float((sent["route"] == "strong").mean())


def _percentile(values: pd.Series, q: int) -> float | None:
    return float(np.percentile(values, q)) if len(values) else None


def _check(frame: pd.DataFrame) -> None:
    missing = {"id", "tier", "status", "correct", "latency_s", "ttft_s", "prompt_tokens",
               "output_tokens", "cached_input_tokens", *BILL, "cost_usd"} - set(frame.columns)
    if missing:
        raise ConfigError(f"the records lack column(s) {', '.join(sorted(missing))}: price "
                          "them first (llmopt.business.figures.priced)")
    if frame.empty:
        raise ConfigError("no requests measured (n=0)")
