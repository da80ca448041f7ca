"""Prices for the demo models: each is priced as a real hosted model, and labelled a simulation.

The demo world's `demo:large` and `demo:small` have no price of their own. To keep the cost
arithmetic real, each borrows the genai-prices price of a real model of the same role (a strong
tier and a cheap tier), and every Price it yields says so in its `source`.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from llmopt.pricing._inputs import unknown
from llmopt.pricing.api import Price, PriceOverrides, api_price, batch_price

DEMO_PREFIX = "demo:"


class PricedAs(BaseModel):
    """The real provider/model whose prices a demo model borrows."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    provider: str
    model: str

    @property
    def label(self) -> str:
        return f"simulation: demo model priced as {self.provider}/{self.model}"


DEMO_PRICE_TIERS: dict[str, PricedAs] = {
    "demo:large": PricedAs(provider="openai", model="gpt-5-mini"),
    "demo:small": PricedAs(provider="openai", model="gpt-5-nano"),
}
"""Strong tier: a mid-size hosted model; cheap tier: the same family's smallest."""


def price_for(model_name: str, overrides: PriceOverrides | str | Path | None = None) -> Price:
    """Prices of any model: demo models through DEMO_PRICE_TIERS, the rest through api_price."""
    name = model_name.strip().lower()
    if not name.startswith(DEMO_PREFIX):
        return api_price(model_name, overrides=overrides)
    if name not in DEMO_PRICE_TIERS:
        raise unknown("demo model", model_name, DEMO_PRICE_TIERS)
    tier = DEMO_PRICE_TIERS[name]
    real = api_price(tier.model, tier.provider)
    return real.model_copy(update={"provider": "demo", "model": name,
                                   "source": f"{tier.label}, {real.source}"})


def batch_price_for(model_name: str) -> Price | None:
    """The batch-API price of any model (demo models: of the real model they are priced as),
    or None where genai-prices has no batch price for it."""
    name = model_name.strip().lower()
    if not name.startswith(DEMO_PREFIX):
        return batch_price(model_name)
    price_for(model_name)  # an unknown demo model is named here
    tier = DEMO_PRICE_TIERS[name]
    real = batch_price(tier.model, tier.provider)
    if real is None:
        return None
    return real.model_copy(update={"provider": "demo", "model": name,
                                   "source": f"{tier.label}, {real.source}"})
