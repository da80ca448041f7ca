"""The business case's money: the monthly cost of serving the traffic on an API, on self-hosted
GPUs, or on both (a router), before and after the stack; what switching costs once; when it
pays back; from what volume it breaks even. Pure arithmetic over `MoneyInputs`.

With V requests a month, D = 365/12 days a month and h the response cache's hit rate:

    API $        = V (1 - h) s_api request_usd        request_usd = ((in - cached) p_in
                                                       + cached p_cached + out p_out) / 1e6
    peak req/s   = V (1 - h) s_fleet / (D 86400) max(peak_to_mean, 24 / gpu_hours_per_day)
    replicas     = max(min_replicas, ceil(peak req/s / (replica req/s target_utilization)));
                   0 where the option runs no fleet (s_fleet = 0)
    GPU $        = replicas gpus_per_replica usd_per_gpu_hour gpu_hours_per_day D
    one-off $    = engineering_days day_rate + labelled_examples usd_per_label
                   + training_gpu_hours usd_per_training_gpu_hour
    saving       = today's option before the stack - the chosen option after it
    payback      = one-off / saving months; None (never) when the saving is <= 0
    break-even   = the least V with saving(V) >= one-off / amortise_months; None if none

s_api and s_fleet are the shares each option sends to the API and to its own fleet: API
(1, 0), self-host (0, 1), hybrid (strong_share, 1 - strong_share).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal, NamedTuple, get_args

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from llmopt.business.inputs import (
    DEFAULT_PEAK_TO_MEAN,
    HOURS_PER_DAY,
    Fleet,
    Measured,
    MoneyInputs,
    OneOff,
    Strict,
    Tokens,
    Traffic,
)
from llmopt.errors import ConfigError
from llmopt.pricing._inputs import unknown
from llmopt.pricing.gpus import GpuCatalog
from llmopt.pricing.selfhost import DAYS_PER_MONTH, PER_MILLION

Option = Literal["API", "self-host", "hybrid"]
Stage = Literal["before", "after"]
OPTIONS: tuple[Option, ...] = get_args(Option)
STAGES: tuple[Stage, ...] = get_args(Stage)
SECONDS_PER_MONTH = DAYS_PER_MONTH * HOURS_PER_DAY * 3600
_MAX_STEPS = 1_000_000
"""Replica steps the break-even search walks at most."""

_RESULT = ConfigDict(extra="forbid", frozen=True)


class MonthlyCost(BaseModel):
    """One option's monthly cost at one stage."""

    model_config = _RESULT

    option: Option
    stage: Stage
    requests_per_month: float
    api_usd: float
    gpu_usd: float
    total_usd: float
    replicas: int
    utilization: float | None
    """Share of the running fleet's throughput the traffic uses; None without a fleet."""
    usd_per_million_requests: float | None
    """None at zero traffic."""


class OneOffCost(BaseModel):
    """What switching costs once, by part."""

    model_config = _RESULT

    engineering_usd: float
    labelling_usd: float
    training_usd: float
    total_usd: float


class BusinessCase(BaseModel):
    """Today's option before the stack against the chosen option after it."""

    model_config = _RESULT

    today: MonthlyCost
    after: MonthlyCost
    monthly_saving_usd: float
    """today - after; negative where the stack costs more."""
    one_off: OneOffCost
    payback_months: float | None
    """None: never (no saving, or the stack costs more)."""
    breakeven_requests_per_month: float | None
    """The least monthly volume from which the saving covers the one-off cost spread over
    `amortise_months`; None: no volume does."""
    amortise_months: float


class _Line(NamedTuple):
    """An option's monthly cost as a function of volume V: a V + replica_usd replicas(V)."""

    api_per_request: float
    replica_usd: float
    replicas_per_request: float
    min_replicas: int
    replica_requests: float
    """Requests a month one replica serves when busy all its running hours."""
    fleet_share: float

    def replicas(self, volume: float) -> int:
        if self.fleet_share == 0:
            return 0
        return max(self.min_replicas, math.ceil(round(volume * self.replicas_per_request, 9)))

    def cost(self, volume: float) -> tuple[float, float, int]:
        replicas = self.replicas(volume)
        return volume * self.api_per_request, replicas * self.replica_usd, replicas


def parse(inputs: MoneyInputs | Mapping[str, Any]) -> MoneyInputs:
    """`inputs` as MoneyInputs; ConfigError naming each bad field of a mapping."""
    return MoneyInputs.model_validate(inputs)


def gpu_usd_per_hour(fleet: Fleet, catalog: GpuCatalog | None = None) -> float:
    """The fleet GPU's catalog price: spot or on demand (ConfigError naming a GPU without a
    spot price, or an unknown GPU with the catalog's names)."""
    return (catalog or GpuCatalog.load()).get(fleet.gpu).usd_per_hour(fleet.spot)


def monthly_cost(inputs: MoneyInputs | Mapping[str, Any], option: Option, stage: Stage,
                 catalog: GpuCatalog | None = None,
                 requests_per_month: float | None = None) -> MonthlyCost:
    """`option`'s monthly cost `stage` the stack, at the traffic's volume (or at
    `requests_per_month`)."""
    inputs = parse(inputs)
    volume = inputs.traffic.requests_per_month if requests_per_month is None else \
        Traffic(requests_per_month=requests_per_month).requests_per_month
    line = _line(inputs, option, stage, catalog)
    api, gpu, replicas = line.cost(volume)
    served = volume * line.fleet_share
    total = api + gpu
    return MonthlyCost(
        option=option, stage=stage, requests_per_month=volume, api_usd=api, gpu_usd=gpu,
        total_usd=total, replicas=replicas,
        utilization=served / (replicas * line.replica_requests) if replicas else None,
        usd_per_million_requests=total / volume * PER_MILLION if volume > 0 else None)


def monthly_costs(inputs: MoneyInputs | Mapping[str, Any],
                  catalog: GpuCatalog | None = None) -> pd.DataFrame:
    """Every option before and after the stack: one row each (MonthlyCost's fields)."""
    inputs = parse(inputs)
    catalog = catalog or GpuCatalog.load()
    rows = [monthly_cost(inputs, option, stage, catalog).model_dump()
            for option in OPTIONS for stage in STAGES]
    return pd.DataFrame(rows)


def one_off_cost(one_off: OneOff | Mapping[str, Any], fleet: Fleet | None = None,
                 catalog: GpuCatalog | None = None) -> OneOffCost:
    """Engineering, labelling and training: each part and the total. Training GPU-hours are
    priced at `training_usd_per_gpu_hour`, or the fleet GPU's on-demand price."""
    one_off = OneOff.model_validate(one_off)
    rate = one_off.training_usd_per_gpu_hour
    if rate is None and one_off.training_gpu_hours > 0:
        on_demand = (fleet or Fleet()).model_copy(update={"spot": False})
        rate = gpu_usd_per_hour(on_demand, catalog)
    engineering = one_off.engineering_days * one_off.day_rate_usd
    labelling = one_off.labelled_examples * one_off.usd_per_label
    training = one_off.training_gpu_hours * (rate or 0.0)
    return OneOffCost(engineering_usd=engineering, labelling_usd=labelling,
                      training_usd=training, total_usd=engineering + labelling + training)


def payback_months(one_off_usd: float, monthly_saving_usd: float) -> float | None:
    """Months for the monthly saving to earn back the one-off cost; None (never) when nothing
    is saved or the stack costs more; 0 when nothing is spent and something is saved."""
    for name, value in (("one_off_usd", one_off_usd), ("monthly_saving_usd", monthly_saving_usd)):
        if not math.isfinite(value):
            raise ConfigError(f"{name} must be a finite number, got {value!r}")
    if one_off_usd < 0:
        raise ConfigError(f"one_off_usd must be >= 0, got {one_off_usd!r}")
    return one_off_usd / monthly_saving_usd if monthly_saving_usd > 0 else None


def business_case(inputs: MoneyInputs | Mapping[str, Any], option: Option,
                  today: Option | None = None,
                  catalog: GpuCatalog | None = None) -> BusinessCase:
    """The case for running `option` after the stack instead of `today`'s option (default:
    `option`) before it: monthly saving, one-off cost, payback and break-even volume."""
    inputs = parse(inputs)
    catalog = catalog or GpuCatalog.load()
    today = option if today is None else today
    before = monthly_cost(inputs, today, "before", catalog)
    after = monthly_cost(inputs, option, "after", catalog)
    one_off = one_off_cost(inputs.one_off, inputs.fleet, catalog)
    saving = before.total_usd - after.total_usd
    return BusinessCase(
        today=before, after=after, monthly_saving_usd=saving, one_off=one_off,
        payback_months=payback_months(one_off.total_usd, saving),
        breakeven_requests_per_month=breakeven_requests_per_month(inputs, option, today,
                                                                  catalog),
        amortise_months=inputs.one_off.amortise_months)


def breakeven_requests_per_month(inputs: MoneyInputs | Mapping[str, Any], option: Option,
                                 today: Option | None = None,
                                 catalog: GpuCatalog | None = None) -> float | None:
    """The least monthly volume V at which today's cost before the stack covers `option`'s
    after it plus the one-off spread over `amortise_months`: before(V) - after(V) >= A. With
    nothing to repay (A = 0) it is the least V from which the stack saves. None where no volume
    does (within a million replica steps).

    Both costs are a line plus whole replicas, so the search walks the replica steps of both
    fleets, solving the line between steps, up to the volume past which the difference of
    the slopes settles the sign for good."""
    inputs = parse(inputs)
    catalog = catalog or GpuCatalog.load()
    one_off = one_off_cost(inputs.one_off, inputs.fleet, catalog).total_usd
    amortised = one_off / inputs.one_off.amortise_months
    first = _line(inputs, option if today is None else today, "before", catalog)
    second = _line(inputs, option, "after", catalog)
    edges = _edges(first, second, amortised)
    if edges is None:
        return None
    return _first_volume(first, second, amortised, edges)


def steps(inputs: MoneyInputs | Mapping[str, Any], option: Option,
          measured: Mapping[str, Measured | Mapping[str, Any]],
          catalog: GpuCatalog | None = None) -> pd.DataFrame:
    """`option`'s monthly cost and $ per 1M requests after each measured step, in order (the
    first is the baseline, each next one adds a technique): the frame of
    llmopt.report.business.waterfall (columns step, monthly_cost_usd, usd_per_million_requests,
    delta_usd_per_million_requests)."""
    inputs = parse(inputs)
    if inputs.traffic.requests_per_month <= 0:
        raise ConfigError("steps need traffic: requests_per_month is 0, so there is no cost per "
                          "request to compare")
    catalog = catalog or GpuCatalog.load()
    rows = []
    for name, setting in measured.items():
        stage_inputs = inputs.model_copy(update={"after": Measured.model_validate(setting)})
        cost = monthly_cost(stage_inputs, option, "after", catalog)
        rows.append({"step": name, "monthly_cost_usd": cost.total_usd,
                     "usd_per_million_requests": cost.usd_per_million_requests})
    frame = pd.DataFrame(rows, columns=["step", "monthly_cost_usd", "usd_per_million_requests"])
    frame["delta_usd_per_million_requests"] = frame["usd_per_million_requests"].diff()
    return frame


def assumptions(inputs: MoneyInputs | Mapping[str, Any],
                catalog: GpuCatalog | None = None) -> list[tuple[str, str, str]]:
    """Every input with its value and where it came from: (name, value, source). A field the
    caller gave is "given"; one left at its default says so with its reason; prices name their
    source (genai-prices' version, the GPU catalog's entry)."""
    inputs = parse(inputs)
    rows = [(f"api.{name}", _shown(value), f"price: {inputs.api.source}")
            for name, value in inputs.api if name not in ("source",)]
    for section in ("traffic", "fleet", "one_off"):
        rows += _fields(section, getattr(inputs, section))
    for stage in STAGES:
        rows += _fields(stage, getattr(inputs, stage), given="measured")
    gpu = (catalog or GpuCatalog.load()).get(inputs.fleet.gpu)
    rows.append(("fleet GPU price (on demand / spot, $/GPU-hour)",
                 f"{gpu.on_demand_usd_per_hour:g} / {_shown(gpu.spot_usd_per_hour)}",
                 f"GPU catalog: {gpu.source} (as of {gpu.as_of})"))
    rows.append(("traffic peak factor used", f"{inputs.traffic.peak_factor:g}",
                 "traffic.peak_to_mean, else 24 / traffic.traffic_hours_per_day, else "
                 f"the default {DEFAULT_PEAK_TO_MEAN:g}"))
    rows.append(("days per month", f"{DAYS_PER_MONTH:.3f}", "365 / 12"))
    return rows


def _fields(prefix: str, model: Strict, given: str = "given") -> list[tuple[str, str, str]]:
    rows = []
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        if isinstance(value, Strict):
            rows += _fields(f"{prefix}.{name}", value, given)
            continue
        description = field.description or ""
        at = description.find("default")
        default = " ".join(description[at:].split()) if at >= 0 else \
            "not given" if value is None else "default"
        rows.append((f"{prefix}.{name}", _shown(value),
                     given if name in model.model_fields_set else default))
    return rows


def _shown(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.6g}"
    return str(value)


def _line(inputs: MoneyInputs, option: Option, stage: Stage,
          catalog: GpuCatalog | None) -> _Line:
    if option not in OPTIONS:
        raise unknown("option", option, OPTIONS)
    if stage not in STAGES:
        raise unknown("stage", stage, STAGES)
    measured: Measured = getattr(inputs, stage)
    served = 1 - measured.response_cache_hit_rate
    api_share, fleet_share = {"API": (1.0, 0.0), "self-host": (0.0, 1.0),
                              "hybrid": (measured.strong_share, 1 - measured.strong_share)}[option]
    tokens: Tokens = measured.strong_tokens if option == "hybrid" and \
        measured.strong_tokens is not None else measured.tokens
    throughput = measured.cheap_throughput if option == "hybrid" and \
        measured.cheap_throughput is not None else measured.throughput
    fleet = inputs.fleet
    replica_rps = throughput.replica_requests_per_s(fleet.gpus_per_replica)
    fleet_share *= served
    replica_usd = 0.0
    if fleet_share > 0:
        replica_usd = (gpu_usd_per_hour(fleet, catalog) * fleet.gpus_per_replica
                       * fleet.gpu_hours_per_day * DAYS_PER_MONTH)
    peak = max(inputs.traffic.peak_factor, HOURS_PER_DAY / fleet.gpu_hours_per_day)
    per_request = fleet_share * peak / SECONDS_PER_MONTH / (replica_rps * fleet.target_utilization)
    running_s = fleet.gpu_hours_per_day * 3600 * DAYS_PER_MONTH
    return _Line(api_per_request=served * api_share * inputs.api.request_usd(tokens),
                 replica_usd=replica_usd, replicas_per_request=per_request,
                 min_replicas=fleet.min_replicas, replica_requests=replica_rps * running_s,
                 fleet_share=fleet_share)


def _edges(first: _Line, second: _Line, amortised: float) -> np.ndarray | None:
    """The volumes where either fleet adds a replica, from 0 up to the volume past which the
    saving's sign is settled; None where that is past _MAX_STEPS steps."""
    lines = [line for line in (first, second) if line.fleet_share > 0]
    past_minimum = max([line.min_replicas / line.replicas_per_request for line in lines],
                       default=0.0)
    slope = (first.api_per_request + first.replica_usd * first.replicas_per_request
             - second.api_per_request - second.replica_usd * second.replicas_per_request)
    # past the minimum, saving(V) lies in (slope V - second.replica_usd - A,
    # slope V + first.replica_usd - A]: beyond `limit` its sign no longer changes
    scale = max(1.0, first.replica_usd, second.replica_usd, amortised)
    if slope > 1e-12 * scale:
        limit = (second.replica_usd + amortised) / slope
    elif slope < -1e-12 * scale:
        limit = (first.replica_usd - amortised) / -slope
    else:
        limit = past_minimum + sum(1 / line.replicas_per_request for line in lines) * 1000
    limit = max(limit * 1.01 + 1, past_minimum)
    count = sum(limit * line.replicas_per_request for line in lines)
    if count > _MAX_STEPS:
        return None
    marks = [np.arange(line.min_replicas, math.floor(limit * line.replicas_per_request) + 1)
             / line.replicas_per_request for line in lines]
    edges = np.unique(np.concatenate([[0.0, limit], *marks]))
    return edges[edges <= limit]


def _first_volume(first: _Line, second: _Line, amortised: float,
                  edges: np.ndarray) -> float | None:
    """The least V in [0, edges[-1]] with saving(V) >= A (> 0 when A is 0)."""
    strict = amortised == 0
    tolerance = 1e-9 * max(1.0, amortised, first.replica_usd, second.replica_usd)

    def saving(volume: float, at: float) -> float:
        """The saving at `volume` with the replicas of volume `at`."""
        before = volume * first.api_per_request + first.replica_usd * first.replicas(at)
        after = volume * second.api_per_request + second.replica_usd * second.replicas(at)
        return before - after - amortised

    def holds(value: float) -> bool:
        return value > tolerance if strict else value >= -tolerance

    if holds(saving(0.0, 0.0)):
        return 0.0
    slope = first.api_per_request - second.api_per_request
    for low, high in zip(edges[:-1], edges[1:], strict=True):
        start = saving(low, (low + high) / 2)  # the replicas just past `low`
        if holds(start) or (strict and abs(start) <= tolerance and slope > 0):
            return float(low)
        if slope > 0 and (root := low - start / slope) <= high * (1 + 1e-12):
            return float(root)
    return None
