"""What the money model takes: the traffic, the GPU fleet, the API's prices, what the baseline
and the stack measured per request, and what switching costs once.

Every model refuses a missing, negative or non-finite number with a ConfigError naming the
field and what is valid (`Tokens(input=-1, output=5)` and `MoneyInputs.model_validate(...)`
alike). A field left at its default is an assumption: `llmopt.business.money.assumptions` lists
each one with its value and the sentence below it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from llmopt.errors import ConfigError
from llmopt.pricing.api import Price, PriceOverrides
from llmopt.pricing.demo import price_for

HOURS_PER_DAY = 24
DEFAULT_PEAK_TO_MEAN = 2.0
"""Traffic's peak rate over its daily mean when neither shape is given (see `Traffic`)."""


def describe(what: str, error: ValidationError) -> ConfigError:
    """A ConfigError naming each bad field (dotted, through nested models), what is valid and
    what it got; its `problems` hold (field, message) pairs for an enclosing model to prefix."""
    problems = []
    for e in error.errors():
        field = ".".join(str(part) for part in e["loc"])
        inner = e.get("ctx", {}).get("error")
        if isinstance(getattr(inner, "problems", None), list):
            problems += [(".".join(p for p in (field, f) if p), m) for f, m in inner.problems]
        elif e["type"] == "missing":
            problems.append((field, "required, missing"))
        elif e["type"].startswith("value_error"):
            problems.append((field, e["msg"].removeprefix("Value error, ")))
        else:
            problems.append((field, f"{e['msg']} (got {e['input']!r})"))
    lines = [f"{field}: {message}" if field else message for field, message in problems]
    found = ConfigError(f"{what}: " + "; ".join(lines))
    found.problems = problems
    return found


class Strict(BaseModel):
    """The money model's base: no unknown fields, no NaN or infinity, frozen, and a ConfigError
    (not pydantic's ValidationError) for bad input, however the model is built."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False,
                              use_attribute_docstrings=True)

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as error:
            raise describe(type(self).__name__, error) from None

    @classmethod
    def model_validate(cls, obj: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if isinstance(obj, cls):
            return obj
        try:
            return super().model_validate(obj, **kwargs)
        except ValidationError as error:
            raise describe(cls.__name__, error) from None


class Tokens(Strict):
    """Tokens of one request, averaged over the measured requests."""

    input: float = Field(ge=0)
    """Prompt tokens per request, the cached ones included (measured)."""
    cached_input: float = Field(default=0.0, ge=0)
    """Of those, tokens the API serves from its prompt cache (measured); default 0."""
    output: float = Field(ge=0)
    """Output tokens per request (measured)."""

    @model_validator(mode="after")
    def _cached_within_input(self) -> Tokens:
        if self.cached_input > self.input:
            raise ValueError(f"cached_input ({self.cached_input:g}) must be <= input "
                             f"({self.input:g}): input counts the cached tokens too")
        return self


class Throughput(Strict):
    """What one replica serves at saturation on the workload: requests/s, or GPU-hours per 1M
    requests (give one)."""

    requests_per_s: float | None = Field(default=None, gt=0)
    """Requests per second one replica completes at its best measured concurrency."""
    gpu_hours_per_million: float | None = Field(default=None, gt=0)
    """GPU-hours one replica spends on 1M requests (all its GPUs counted)."""

    @model_validator(mode="after")
    def _exactly_one(self) -> Throughput:
        if (self.requests_per_s is None) == (self.gpu_hours_per_million is None):
            raise ValueError("give one of requests_per_s or gpu_hours_per_million")
        return self

    def replica_requests_per_s(self, gpus_per_replica: int) -> float:
        """Requests per second of one replica of `gpus_per_replica` GPUs."""
        if self.requests_per_s is not None:
            return self.requests_per_s
        replica_hours = self.gpu_hours_per_million / gpus_per_replica
        return 1_000_000 / (replica_hours * 3600)


class Measured(Strict):
    """One setting measured on the held-out traffic: the baseline, or the stack of kept
    techniques."""

    tokens: Tokens
    """Tokens per request on the API (and of the self-hosted model: its throughput counts them)."""
    throughput: Throughput
    """One replica of the self-hosted model that serves every request (self-host option)."""
    strong_share: float = Field(default=1.0, ge=0, le=1)
    """Share of requests the router sends to the strong tier on the API (hybrid option);
    default 1.0: no router, every request goes to the API."""
    cheap_throughput: Throughput | None = None
    """One replica of the hybrid's cheap tier, self-hosted; default: `throughput`."""
    strong_tokens: Tokens | None = None
    """Tokens per request of the requests routed to the strong tier; default: `tokens`."""
    response_cache_hit_rate: float = Field(default=0.0, ge=0, le=1)
    """Share of requests a response cache answers; they cost no tokens and no GPU time (the
    cache's own cost is left out); default 0."""


class Traffic(Strict):
    """How many requests a month, and how they bunch up in a day."""

    requests_per_month: float = Field(ge=0)
    """Requests a month (an average month: 365/12 days)."""
    peak_to_mean: float | None = Field(default=None, ge=1)
    """The busiest hour's request rate over the day's mean rate; give this or
    traffic_hours_per_day; default when neither is given: 2.0 (an assumption: traffic mostly in
    business hours; a flat 24-hour load is 1.0)."""
    traffic_hours_per_day: float | None = Field(default=None, gt=0, le=HOURS_PER_DAY)
    """Hours a day the requests arrive in, spread evenly over them (peak_to_mean = 24 / hours)."""

    @model_validator(mode="after")
    def _one_shape(self) -> Traffic:
        if self.peak_to_mean is not None and self.traffic_hours_per_day is not None:
            raise ValueError("give peak_to_mean or traffic_hours_per_day, not both")
        return self

    @property
    def peak_factor(self) -> float:
        if self.traffic_hours_per_day is not None:
            return HOURS_PER_DAY / self.traffic_hours_per_day
        return DEFAULT_PEAK_TO_MEAN if self.peak_to_mean is None else self.peak_to_mean


class Fleet(Strict):
    """The self-hosted GPUs: which, at what price, how many per replica, when they run."""

    gpu: str = Field(default="L4-24GB", min_length=1)
    """A GPU name in the catalog (llmopt.pricing.GpuCatalog); default L4-24GB."""
    spot: bool = False
    """Price the GPU at its spot price instead of on demand; default False (on demand)."""
    gpus_per_replica: int = Field(default=1, ge=1)
    """GPUs one replica (one server) uses; default 1."""
    gpu_hours_per_day: float = Field(default=HOURS_PER_DAY, gt=0, le=HOURS_PER_DAY)
    """Hours a day the GPUs run; under 24 is a night shutdown, and the traffic must arrive while
    they run (night requests are not modelled); default 24."""
    target_utilization: float = Field(default=0.7, gt=0, le=1)
    """Share of a replica's measured throughput it is loaded to at the peak (the rest is
    headroom for bursts); default 0.7, an assumption (vary it in the sensitivity)."""
    min_replicas: int = Field(default=1, ge=0)
    """Replicas kept running even without traffic; default 1 (0: scale to zero)."""


class ApiPrices(Strict):
    """An API model's prices, in $ per 1M tokens, and where they came from."""

    model: str = Field(min_length=1)
    input_usd_per_million: float = Field(ge=0)
    cached_input_usd_per_million: float | None = Field(default=None, ge=0)
    """None: the provider bills cached prompt tokens at the input price."""
    output_usd_per_million: float = Field(ge=0)
    source: str = Field(min_length=1)
    """genai-prices' version and data date, an override file, or a simulation label."""

    @classmethod
    def from_price(cls, price: Price) -> ApiPrices:
        return cls(model=price.model, input_usd_per_million=price.input,
                   cached_input_usd_per_million=price.cached_input,
                   output_usd_per_million=price.output, source=price.source)

    @classmethod
    def of(cls, model: str, overrides: PriceOverrides | str | Path | None = None) -> ApiPrices:
        """`model`'s prices from genai-prices (demo models priced as a real one), an override
        file first: llmopt.pricing.price_for."""
        return cls.from_price(price_for(model, overrides))

    def request_usd(self, tokens: Tokens) -> float:
        """Dollars for one request of `tokens`."""
        cached_rate = self.cached_input_usd_per_million
        cached_rate = self.input_usd_per_million if cached_rate is None else cached_rate
        dollars = ((tokens.input - tokens.cached_input) * self.input_usd_per_million
                   + tokens.cached_input * cached_rate
                   + tokens.output * self.output_usd_per_million)
        return dollars / 1_000_000

    def scaled(self, factor: float) -> ApiPrices:
        """Every price times `factor` (a price path: 0.5 halves them)."""
        cached = self.cached_input_usd_per_million
        return self.model_copy(update={
            "input_usd_per_million": self.input_usd_per_million * factor,
            "cached_input_usd_per_million": None if cached is None else cached * factor,
            "output_usd_per_million": self.output_usd_per_million * factor})


class OneOff(Strict):
    """What switching the stack on costs once. Every default is an assumption to replace."""

    engineering_days: float = Field(default=10, ge=0)
    """Engineer-days to switch the stack on, test and roll it out; default 10 (two weeks)."""
    day_rate_usd: float = Field(default=800, ge=0)
    """Loaded cost of one engineer-day; default $800 (about $100 an hour)."""
    labelled_examples: int = Field(default=0, ge=0)
    """Examples labelled by people to calibrate a router; default 0 (set it to the calibration
    set's size when the router is kept and the grader cannot label)."""
    usd_per_label: float = Field(default=0.5, ge=0)
    """Dollars per labelled example; default $0.50 (one short answer judged by a person)."""
    training_gpu_hours: float = Field(default=0, ge=0)
    """GPU-hours to label with the teacher and train a distilled model; default 0 (none kept;
    llmopt.distill.cost.training_cost estimates it)."""
    training_usd_per_gpu_hour: float | None = Field(default=None, ge=0)
    """Dollars per training GPU-hour; default: the fleet GPU's on-demand catalog price."""
    amortise_months: float = Field(default=12, gt=0)
    """Months the break-even volume spreads the one-off cost over; default 12."""


class MoneyInputs(Strict):
    """Everything the money model needs for one pilot."""

    traffic: Traffic
    api: ApiPrices
    """The API model the traffic goes to today (and the hybrid's strong tier)."""
    before: Measured
    """The baseline, measured."""
    after: Measured
    """The stack of kept techniques, measured on the same held-out traffic."""
    fleet: Fleet = Fleet()
    one_off: OneOff = OneOff()

    @model_validator(mode="after")
    def _traffic_while_running(self) -> MoneyInputs:
        hours = self.traffic.traffic_hours_per_day
        if hours is not None and hours > self.fleet.gpu_hours_per_day:
            raise ValueError(f"traffic arrives {hours:g} hours a day but the GPUs run "
                             f"{self.fleet.gpu_hours_per_day:g}: fleet.gpu_hours_per_day must "
                             f"be >= traffic.traffic_hours_per_day")
        return self
