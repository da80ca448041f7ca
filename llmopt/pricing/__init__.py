"""What tokens and GPUs cost: API prices (genai-prices + overrides), a GPU rental catalog,
self-hosting cost and break-even, and the labelled simulated prices of the demo models."""

from llmopt.pricing.api import (
    OverridePrice,
    Price,
    PriceOverrides,
    api_price,
    batch_price,
    request_cost,
)
from llmopt.pricing.demo import DEMO_PRICE_TIERS, PricedAs, batch_price_for, price_for
from llmopt.pricing.gpus import PACKAGED_CATALOG, Gpu, GpuCatalog
from llmopt.pricing.selfhost import (
    DAYS_PER_MONTH,
    breakeven_tokens_per_day,
    cost_per_million_tokens,
    cost_table,
    daily_cost_api,
    daily_cost_selfhost,
    monthly_cost_api,
    monthly_cost_selfhost,
    payback_months,
    replicas_needed,
    volume_grid,
)

__all__ = [
    "DAYS_PER_MONTH",
    "DEMO_PRICE_TIERS",
    "PACKAGED_CATALOG",
    "Gpu",
    "GpuCatalog",
    "OverridePrice",
    "Price",
    "PriceOverrides",
    "PricedAs",
    "api_price",
    "batch_price",
    "breakeven_tokens_per_day",
    "cost_per_million_tokens",
    "cost_table",
    "daily_cost_api",
    "daily_cost_selfhost",
    "monthly_cost_api",
    "monthly_cost_selfhost",
    "payback_months",
    "batch_price_for",
    "price_for",
    "replicas_needed",
    "request_cost",
    "volume_grid",
]
