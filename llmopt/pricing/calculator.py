"""The cost calculator: a workload, an API model and a measured self-host replica in; monthly
costs, break-even volume and payback out. Pure arithmetic over llmopt.pricing's functions, so
a widget, a notebook and a test all get the same numbers.

Token volumes are total tokens (prompt + output). `selfhost_tokens_per_s` is therefore the
total tokens per second one replica served in a benchmark of the same workload (the
benchmark's `total_tokens_per_s` at the concurrency you would run). The cached share lowers
the API bill only: a self-hosted prefix cache already shows in the measured throughput.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from llmopt.pricing import selfhost
from llmopt.pricing._inputs import validate
from llmopt.pricing.api import Price, PriceOverrides, request_cost
from llmopt.pricing.demo import price_for
from llmopt.pricing.gpus import GpuCatalog
from llmopt.pricing.selfhost import PER_MILLION, SECONDS_PER_DAY

SUGGESTED_MODELS = (
    "demo:large", "demo:small", "gpt-5-mini", "gpt-5-nano", "gpt-4o-mini", "gpt-4.1-mini",
    "claude-haiku-4-5", "claude-sonnet-4-5", "gemini-2.5-flash", "gemini-2.5-flash-lite",
)
"""Models to offer in a picker (any model genai-prices or an override file knows works)."""

Overrides = PriceOverrides | str | Path | None


class CalculatorInputs(BaseModel):
    """A workload and the two ways to serve it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    requests_per_day: float = Field(ge=0, allow_inf_nan=False)
    prompt_tokens: float = Field(ge=0, allow_inf_nan=False)
    """Prompt tokens per request, cached ones included."""
    output_tokens: float = Field(gt=0, allow_inf_nan=False)
    """Output tokens per request."""
    cached_share: float = Field(default=0.0, ge=0, le=1)
    """Share of the prompt tokens the API serves from its prompt cache."""
    api_model: str = Field(default="demo:large", min_length=1)
    gpu: str = Field(default="L4-24GB", min_length=1)
    """A GPU name in the catalog."""
    spot: bool = False
    """Price the GPU at its spot price instead of on demand."""
    selfhost_tokens_per_s: float = Field(gt=0, allow_inf_nan=False)
    """Measured total (prompt + output) tokens/s of one replica on this workload."""
    gpus_per_replica: int = Field(default=1, ge=1)
    setup_cost_usd: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    """One-off cost of moving to self-hosting (engineering, migration)."""

    @property
    def tokens_per_request(self) -> float:
        return self.prompt_tokens + self.output_tokens

    @property
    def tokens_per_day(self) -> float:
        return self.requests_per_day * self.tokens_per_request


class CalculatorResult(BaseModel):
    """Monthly costs of both options at the workload's volume, and where they cross."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tokens_per_day: float
    api_price_label: str
    """Which price was used and where it came from (simulated for demo models)."""
    api_usd_per_request: float
    api_usd_per_million: float
    """Blended API price per 1M total tokens at this prompt/output/cache mix."""
    gpu_usd_per_hour: float
    replicas: int
    utilization: float
    """Share of the fleet's capacity the volume uses."""
    monthly_api_usd: float
    monthly_selfhost_usd: float
    monthly_saving_usd: float
    """API minus self-host; negative when the API is cheaper."""
    cheaper: Literal["API", "self-host"]
    """The cheaper option per month; the API on a tie (no setup cost, nothing to run)."""
    breakeven_tokens_per_day: float | None
    """Daily volume from which one replica costs no more than the API; None: never."""
    payback_months: float | None
    """Months for the monthly saving to repay the setup cost; None when nothing is saved."""
    usd_per_million_selfhost: float | None
    """What the fleet costs per 1M tokens at this volume; None at zero volume."""
    usd_per_million_selfhost_full: float
    """Per 1M tokens with the replicas fully busy: the floor self-hosting can reach."""


def calculate(inputs: CalculatorInputs | Mapping[str, Any], catalog: GpuCatalog | None = None,
              overrides: Overrides = None) -> CalculatorResult:
    """Both options' monthly cost for `inputs`; ConfigError naming a bad field, an unknown
    model (with close matches) or an unknown GPU (with the catalog's names)."""
    inputs = _inputs(inputs)
    price = price_for(inputs.api_model, overrides)
    usd_per_request, usd_per_million = _api_rate(inputs, price)
    gpu_usd = (catalog or GpuCatalog.load()).get(inputs.gpu).usd_per_hour(inputs.spot)
    fleet = (gpu_usd, inputs.gpus_per_replica, inputs.selfhost_tokens_per_s)
    volume = inputs.tokens_per_day
    monthly_api = selfhost.monthly_cost_api(volume, usd_per_million)
    monthly_own = selfhost.monthly_cost_selfhost(volume, *fleet)
    replicas = selfhost.replicas_needed(volume, inputs.selfhost_tokens_per_s)
    return CalculatorResult(
        tokens_per_day=volume,
        api_price_label=price.label,
        api_usd_per_request=usd_per_request,
        api_usd_per_million=usd_per_million,
        gpu_usd_per_hour=gpu_usd,
        replicas=replicas,
        utilization=volume / (replicas * inputs.selfhost_tokens_per_s * SECONDS_PER_DAY),
        monthly_api_usd=monthly_api,
        monthly_selfhost_usd=monthly_own,
        monthly_saving_usd=monthly_api - monthly_own,
        cheaper="self-host" if monthly_own < monthly_api else "API",
        breakeven_tokens_per_day=selfhost.breakeven_tokens_per_day(usd_per_million, *fleet),
        payback_months=selfhost.payback_months(inputs.setup_cost_usd, monthly_api - monthly_own),
        usd_per_million_selfhost=(selfhost.daily_cost_selfhost(volume, *fleet) / volume
                                  * PER_MILLION if volume > 0 else None),
        usd_per_million_selfhost_full=selfhost.cost_per_million_tokens(
            inputs.selfhost_tokens_per_s, gpu_usd, inputs.gpus_per_replica),
    )


def cost_curve(inputs: CalculatorInputs | Mapping[str, Any], result: CalculatorResult,
               points: int = 60) -> pd.DataFrame:
    """`cost_table` over a volume grid wide enough to show the workload, the break-even point
    (or, where there is none, the first replica step): the frame for charts.breakeven."""
    inputs = _inputs(inputs)
    capacity_per_day = inputs.selfhost_tokens_per_s * SECONDS_PER_DAY
    marks = [result.tokens_per_day, result.breakeven_tokens_per_day or capacity_per_day]
    grid = selfhost.volume_grid(2 * max(marks), inputs.selfhost_tokens_per_s, points)
    return selfhost.cost_table(grid, result.api_usd_per_million, result.gpu_usd_per_hour,
                      inputs.gpus_per_replica, inputs.selfhost_tokens_per_s)


def compare_apis(inputs: CalculatorInputs | Mapping[str, Any], models: Iterable[str],
                 overrides: Overrides = None) -> pd.DataFrame:
    """Monthly cost of the workload on each API model, cheapest first: columns model,
    monthly_cost_usd, usd_per_million, label (the price's source): the frame for
    charts.api_comparison."""
    inputs = _inputs(inputs)
    rows = []
    for model in models:
        price = price_for(model, overrides)
        usd_per_million = _api_rate(inputs, price)[1]
        monthly = selfhost.monthly_cost_api(inputs.tokens_per_day, usd_per_million)
        rows.append((model, monthly, usd_per_million, price.label))
    table = pd.DataFrame(rows, columns=["model", "monthly_cost_usd", "usd_per_million", "label"])
    return table.sort_values("monthly_cost_usd", kind="stable", ignore_index=True)


def _inputs(inputs: CalculatorInputs | Mapping[str, Any]) -> CalculatorInputs:
    if isinstance(inputs, CalculatorInputs):
        return inputs
    return validate(CalculatorInputs, inputs, "calculator inputs")


def _api_rate(inputs: CalculatorInputs, price: Price) -> tuple[float, float]:
    """Dollars per request and the blended dollars per 1M total tokens."""
    cached = inputs.prompt_tokens * inputs.cached_share
    per_request = request_cost(price, inputs.prompt_tokens, cached, inputs.output_tokens)
    return per_request, per_request / inputs.tokens_per_request * PER_MILLION
