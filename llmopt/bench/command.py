"""What `llmopt bench` does, apart from parsing its options (see llmopt/cli.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict

from llmopt.bench.endpoint import Endpoint
from llmopt.bench.profiles import PROFILES, LoadProfile, profile_from
from llmopt.bench.result import BenchResult
from llmopt.bench.runner import RunOptions, run
from llmopt.bench.store import Existing
from llmopt.errors import ConfigError
from llmopt.pricing import Price, price_for
from llmopt.workload import WorkloadItem, load_jsonl

DEMO_DEFAULT_REQUESTS = 100
DEMO_TIMED_REQUESTS = 1000
"""Demo requests generated for a run bounded by --max-seconds only."""
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


class BenchOptions(BaseModel):
    """`llmopt bench`'s options apart from the endpoint: validated once, then passed on."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    workload: str = "demo"
    """`demo` (generated) or a workload JSONL file."""
    profile: str = "sweep"
    concurrency: int | None = None
    """concurrent: requests in flight; sweep: saturation concurrency; constant/poisson: cap."""
    rate: float | None = None
    rates: int | None = None
    seed: int | None = None
    max_requests: int | None = None
    max_seconds: float | None = None
    warmup: int = 0
    out: Path = Path("results/bench.jsonl")
    resume: bool = False
    overwrite: bool = False
    price_model: str | None = None
    metrics_url: str | None = None
    stop_after_ok: int | None = None
    progress: bool = True

    def items(self) -> list[WorkloadItem]:
        """`demo` (generated, enough for the bounds) or a workload JSONL file."""
        if self.workload != "demo":
            return load_jsonl(self.workload)
        from llmopt.demo.generator import generate

        timed = self.max_seconds is not None and self.max_requests is None
        n = self.max_requests or (DEMO_TIMED_REQUESTS if timed else DEMO_DEFAULT_REQUESTS)
        return generate(n, seed=self.seed or 0)

    def load_profile(self, workload_size: int | None = None) -> LoadProfile:
        """The load profile; ConfigError for an option its kind does not take. Without bounds a
        stage sends the whole workload (`workload_size` requests)."""
        if self.profile not in PROFILES:
            raise ConfigError(f"unknown profile {self.profile!r}; valid: {', '.join(PROFILES)}")
        unbounded = self.max_requests is None and self.max_seconds is None
        data: dict[str, Any] = {"kind": self.profile, "max_seconds": self.max_seconds,
                                "max_requests": workload_size if unbounded else self.max_requests,
                                "warmup": self.warmup}
        if self.seed is not None and self.profile in SEEDED:
            data["seed"] = self.seed
        for name in ONLY_FOR:
            value = getattr(self, name)
            if value is not None and self.profile not in ONLY_FOR[name]:
                raise ConfigError(f"--{name} does not apply to the {self.profile} profile "
                                  f"(only to: {', '.join(ONLY_FOR[name])})")
            if value is not None:
                data[name] = value
        if self.concurrency is not None:
            if self.profile not in CONCURRENCY_FIELD:
                raise ConfigError(f"--concurrency does not apply to the {self.profile} profile")
            data[CONCURRENCY_FIELD[self.profile]] = self.concurrency
        return profile_from(data)

    def existing(self) -> Existing:
        """What --resume / --overwrite say to do with an --out that holds an earlier run
        (neither: refuse, and say how to choose)."""
        if self.resume and self.overwrite:
            raise ConfigError("--resume and --overwrite contradict each other; give one")
        return "resume" if self.resume else "overwrite" if self.overwrite else "refuse"

    def run_options(self, model: str) -> RunOptions:
        return RunOptions(price=resolve_price(model, self.price_model), results_path=self.out,
                          existing=self.existing(), stop_after_ok=self.stop_after_ok,
                          server=self.metrics_url, progress=self.progress)


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


def main(endpoint: Endpoint, options: BenchOptions) -> BenchResult:
    items = options.items()
    return run(endpoint, items, options.load_profile(len(items)),
               options.run_options(endpoint.model))


def table(result: BenchResult) -> str:
    """The summary's main columns as text."""
    with pd.option_context("display.width", 220, "display.max_columns", None):
        return result.headline().to_string(index=False, float_format=lambda x: f"{x:.4g}")
