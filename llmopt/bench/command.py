"""What `llmopt bench` does, apart from parsing its options (see llmopt/cli.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pandas as pd

from llmopt.bench.endpoint import Endpoint
from llmopt.bench.profiles import PROFILES, LoadProfile, profile_from
from llmopt.bench.result import BenchResult
from llmopt.bench.runner import run
from llmopt.errors import ConfigError
from llmopt.pricing import Price, price_for
from llmopt.workload import WorkloadItem, load_jsonl

DEMO_DEFAULT_REQUESTS = 100
DEMO_TIMED_REQUESTS = 1000
"""Demo requests generated for a run bounded by --max-seconds only."""
TABLE = ["stage", "requests", "ok", "failed", "req_per_s", "output_tokens_per_s",
         "ttft_s_p50", "ttft_s_p99", "tpot_s_p50", "latency_s_p50", "accuracy", "cost_usd",
         "usd_per_million_tokens"]
ONLY_FOR = {"rate": ("constant", "poisson"), "rates": ("sweep",)}
"""CLI options that only some profiles take."""
SEEDED = ("poisson", "sweep")
CONCURRENCY_FIELD = {"concurrent": "concurrency", "sweep": "saturation_concurrency",
                     "constant": "max_concurrency", "poisson": "max_concurrency"}


def make_endpoint(workload: str, **fields: Any) -> Endpoint:
    """The endpoint; with the demo workload, prompts use the demo models' format (what the
    completions API sends and the client counts; the chat API's server template renders the
    same for the demo models)."""
    if workload == "demo":
        from llmopt.demo.prompt import render

        fields.setdefault("prompt_template", render("{system}", "{user}"))
    return Endpoint(**fields)


def profile_data(kind: str, *, concurrency: int | None = None, rate: float | None = None,
                 rates: int | None = None, seed: int | None = None,
                 max_requests: int | None = None, max_seconds: float | None = None,
                 warmup: int = 0) -> LoadProfile:
    """A profile from the command's options; ConfigError for an option the kind does not take."""
    if kind not in PROFILES:
        raise ConfigError(f"unknown profile {kind!r}; valid: {', '.join(PROFILES)}")
    options = {"rate": rate, "rates": rates}
    data: dict[str, Any] = {"kind": kind, "max_requests": max_requests,
                            "max_seconds": max_seconds, "warmup": warmup}
    if seed is not None and kind in SEEDED:
        data["seed"] = seed
    for name, value in options.items():
        if value is not None and kind not in ONLY_FOR[name]:
            raise ConfigError(f"--{name} does not apply to the {kind} profile "
                              f"(only to: {', '.join(ONLY_FOR[name])})")
        if value is not None:
            data[name] = value
    if concurrency is not None:
        if kind not in CONCURRENCY_FIELD:
            raise ConfigError(f"--concurrency does not apply to the {kind} profile")
        data[CONCURRENCY_FIELD[kind]] = concurrency
    return profile_from(data)


def load_items(workload: str, max_requests: int | None, max_seconds: float | None,
               seed: int = 0) -> list[WorkloadItem]:
    """`demo` (generated, enough for the bounds) or a workload JSONL file."""
    if workload != "demo":
        return load_jsonl(workload)
    from llmopt.demo.generator import generate

    timed = max_seconds is not None and max_requests is None
    n = max_requests or (DEMO_TIMED_REQUESTS if timed else DEMO_DEFAULT_REQUESTS)
    return generate(n, seed=seed)


def resolve_price(model: str, price_model: str | None) -> Price | None:
    """--price-model's price; without it, the model's own price if known, else none (said)."""
    if price_model is not None:
        return price_for(price_model)
    try:
        return price_for(model)
    except ConfigError:
        print(f"no known price for {model!r}: costs not computed (pass --price-model NAME)",
              file=sys.stderr)
        return None


def main(*, endpoint: Endpoint, workload: str, profile: str, concurrency: int | None,
         rate: float | None, rates: int | None, seed: int | None, max_requests: int | None,
         max_seconds: float | None, warmup: int, out: Path, resume: bool,
         price_model: str | None, metrics_url: str | None, stop_after_ok: int | None,
         progress: bool) -> BenchResult:
    items = load_items(workload, max_requests, max_seconds, seed or 0)
    if max_requests is None and max_seconds is None:
        max_requests = len(items)
    load = profile_data(profile, concurrency=concurrency, rate=rate, rates=rates, seed=seed,
                        max_requests=max_requests, max_seconds=max_seconds, warmup=warmup)
    price = resolve_price(endpoint.model, price_model)
    return run(endpoint, items, load, price=price, results_path=out, resume=resume,
               stop_after_ok=stop_after_ok, server=metrics_url, progress=progress)


def table(result: BenchResult) -> str:
    """The summary's main columns as text."""
    summary = result.summary()
    columns = [c for c in TABLE if c in summary.columns]
    with pd.option_context("display.width", 200, "display.max_columns", None):
        return summary[columns].to_string(index=False, float_format=lambda x: f"{x:.4g}")
