"""API token prices: genai-prices' offline snapshot, with a user's override file first.

Prices are dollars per 1M tokens. An unknown model is an error listing close matches, never $0.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import genai_prices
from genai_prices import Usage
from genai_prices.data_snapshot import find_provider_by_id, get_snapshot
from genai_prices.types import PriceCalculation, TieredPrices
from pydantic import BaseModel, ConfigDict, Field, field_validator

from llmopt.errors import ConfigError
from llmopt.pricing._inputs import non_negative, read_yaml, unknown, validate

PER_MILLION = 1_000_000
_OVERRIDE_HINT = "; or give its prices in a price override file (PriceOverrides)"


def _today() -> date:
    return datetime.now(UTC).date()


class Price(BaseModel):
    """Per-token prices of one model at one provider, in $ per 1M tokens, with their source."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    provider: str
    model: str
    input: float = Field(ge=0)
    cached_input: float | None = Field(default=None, ge=0)
    """Price of a prompt token served from the provider's prompt cache; None: no such price."""
    output: float = Field(ge=0)
    source: str
    """`genai-prices <version>`, `override: <file>` or `simulation: ...` for the demo models."""
    as_of: date
    tiered_above_tokens: int | None = None
    """Prompt size above which the provider charges more; these prices hold below it."""

    @property
    def label(self) -> str:
        """`provider/model (source)`; `demo:large (...)` where the model names its provider."""
        prefixed = self.model.startswith(f"{self.provider}:")
        name = self.model if prefixed else f"{self.provider}/{self.model}"
        return f"{name} ({self.source})"


class OverridePrice(BaseModel):
    """One model's prices in an override file."""

    model_config = ConfigDict(extra="forbid")

    input: float = Field(ge=0)
    cached_input: float | None = Field(default=None, ge=0)
    output: float = Field(ge=0)
    provider: str = "override"
    as_of: date | None = None
    """When the prices were checked; default: the file's modification date."""


class PriceOverrides(BaseModel):
    """A user's prices (YAML: model -> {input, output, cached_input?, provider?, as_of?})."""

    model_config = ConfigDict(extra="forbid")

    path: Path
    modified: date = Field(default_factory=_today)
    """The file's modification date: the `as_of` of entries that give none."""
    prices: dict[str, OverridePrice] = {}

    @field_validator("prices")
    @classmethod
    def _lower_keys(cls, prices: dict[str, OverridePrice]) -> dict[str, OverridePrice]:
        return {model.strip().lower(): price for model, price in prices.items()}

    @classmethod
    def load(cls, path: str | Path) -> PriceOverrides:
        """Read an override file; ConfigError naming the file and the bad entry."""
        data = read_yaml(path, "price override") or {}
        modified = datetime.fromtimestamp(Path(path).stat().st_mtime, UTC).date()
        return validate(cls, {"path": Path(path), "modified": modified, "prices": data}, path)

    def get(self, model: str) -> Price | None:
        """The override for `model` (case-insensitive), or None."""
        entry = self.prices.get(model.strip().lower())
        if entry is None:
            return None
        return Price(provider=entry.provider, model=model, input=entry.input,
                     cached_input=entry.cached_input, output=entry.output,
                     source=f"override: {self.path}", as_of=entry.as_of or self.modified)


def api_price(model: str, provider: str | None = None,
              overrides: PriceOverrides | str | Path | None = None) -> Price:
    """Prices of `model` (at `provider`, or the one genai-prices infers); overrides come first."""
    if isinstance(overrides, str | Path):
        overrides = PriceOverrides.load(overrides)
    if overrides is not None and (price := overrides.get(model)) is not None:
        return price
    return _price_from(_lookup(model, provider))


def batch_price(model: str, provider: str | None = None) -> Price | None:
    """The price of `model` in the provider's batch API (genai-prices' `processing: batch`
    variant, e.g. half price at OpenAI and Google), or None where genai-prices has none (then
    the provider may still offer one; give an override)."""
    standard = _lookup(model, provider)
    try:
        batch = genai_prices.calc_price(Usage(input_tokens=0, output_tokens=0), model,
                                        provider_id=standard.provider.id,
                                        price_context={"processing": "batch"})
    except LookupError:
        return None
    if batch.model_price == standard.model_price:
        return None
    price = _price_from(batch)
    return price.model_copy(update={"source": f"{price.source}, batch"})


def request_cost(price: Price, prompt_tokens: float, cached_tokens: float,
                 output_tokens: float) -> float:
    """Dollars for one request. `prompt_tokens` includes `cached_tokens` (OpenAI's convention);
    cached tokens are billed at the cached price where there is one, else at the input price."""
    for name, value in [("prompt_tokens", prompt_tokens), ("cached_tokens", cached_tokens),
                        ("output_tokens", output_tokens)]:
        non_negative(name, value)
    if cached_tokens > prompt_tokens:
        raise ConfigError(f"cached_tokens ({cached_tokens}) exceeds prompt_tokens "
                          f"({prompt_tokens}); prompt_tokens must include the cached ones")
    cached_rate = price.input if price.cached_input is None else price.cached_input
    dollars = ((prompt_tokens - cached_tokens) * price.input + cached_tokens * cached_rate
               + output_tokens * price.output)
    return dollars / PER_MILLION


def _version() -> str:
    return f"genai-prices {genai_prices.__version__}"


def _lookup(model: str, provider: str | None) -> PriceCalculation:
    """genai-prices' match for `model`: its public `calc_price` on an empty usage."""
    try:
        return genai_prices.calc_price(Usage(input_tokens=0, output_tokens=0), model,
                                       provider_id=provider)
    except LookupError:
        raise _not_found(model, provider) from None


def _not_found(model: str, provider: str | None) -> ConfigError:
    """The clearest error for a failed lookup: bad provider, ambiguous provider or bad model."""
    providers = get_snapshot().providers
    if provider is not None and (found := find_provider_by_id(providers, provider)) is None:
        return unknown("provider", provider, [p.id for p in providers], f" in {_version()}")
    if provider is None and (owners := [p.id for p in providers if p.find_model(model)]):
        return ConfigError(f"{_version()} cannot infer the provider of {model!r}; "
                           f"pass provider= one of: {', '.join(owners)}")
    pool = [found] if provider is not None else providers
    ids = [m.id for p in pool for m in p.models]
    where = f" ({found.id}, {_version()})" if provider is not None else f" (in {_version()})"
    return unknown("model", model, ids, where, _OVERRIDE_HINT)


def _price_from(calc: PriceCalculation) -> Price:
    """A Price from genai-prices' resolved model price (the base tier of tiered prices)."""
    prices = calc.model_price
    name = f"{calc.provider.id}/{calc.model.id}"
    if prices.input_mtok is None or prices.output_mtok is None:
        raise ConfigError(f"genai-prices has no per-token input and output price for {name}"
                          f"{_OVERRIDE_HINT}")
    tiers = [p.tiers[0].start for p in (prices.input_mtok, prices.output_mtok)
             if isinstance(p, TieredPrices) and p.tiers]
    return Price(provider=calc.provider.id, model=calc.model.id,
                 input=_per_million(prices.input_mtok),
                 cached_input=_per_million(prices.cache_read_mtok),
                 output=_per_million(prices.output_mtok), source=_source(calc),
                 as_of=_today(), tiered_above_tokens=min(tiers, default=None))


def _per_million(value: Decimal | TieredPrices | None) -> float | None:
    if value is None:
        return None
    return float(value.base if isinstance(value, TieredPrices) else value)


def _source(calc: PriceCalculation) -> str:
    updated = calc.auto_update_timestamp
    return _version() + (f", data updated {updated:%Y-%m-%d}" if updated else "")
