"""Self-hosting cost: $/1M tokens of a GPU fleet, and where it breaks even with an API.

A replica is `gpus` GPUs serving `capacity_tokens_per_second` at most. A self-hosted fleet is
always on, so it costs whole replicas per hour whatever the traffic, and traffic past a replica's
capacity needs another replica: its cost is a step function of the daily token volume, while an
API's cost is a straight line through zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from llmopt.pricing._inputs import finite, fraction, non_negative, positive

PER_MILLION = 1_000_000
SECONDS_PER_DAY = 86_400
HOURS_PER_DAY = 24
DAYS_PER_MONTH = 365 / 12


def cost_per_million_tokens(tokens_per_second: float, usd_per_hour: float, gpus: int = 1,
                            utilization: float = 1.0) -> float:
    """Dollars per 1M tokens of a replica of `gpus` GPUs (at `usd_per_hour` each) serving
    `tokens_per_second` when busy and busy a `utilization` share of the time."""
    positive("tokens_per_second", tokens_per_second)
    positive("usd_per_hour", usd_per_hour)
    positive("gpus", gpus)
    fraction("utilization", utilization)
    tokens_per_hour = tokens_per_second * 3600 * utilization
    return usd_per_hour * gpus / tokens_per_hour * PER_MILLION


def replicas_needed(tokens_per_day: float, capacity_tokens_per_second: float) -> int:
    """Replicas an always-on fleet needs for `tokens_per_day`: at least one."""
    non_negative("tokens_per_day", tokens_per_day)
    per_day = positive("capacity_tokens_per_second", capacity_tokens_per_second) * SECONDS_PER_DAY
    return max(1, math.ceil(tokens_per_day / per_day))


def daily_cost_api(tokens_per_day: float, api_usd_per_million: float) -> float:
    """Dollars per day of paying an API per token."""
    non_negative("tokens_per_day", tokens_per_day)
    return tokens_per_day * positive("api_usd_per_million", api_usd_per_million) / PER_MILLION


def daily_cost_selfhost(tokens_per_day: float, gpu_usd_per_hour: float, gpus: int,
                        capacity_tokens_per_second: float) -> float:
    """Dollars per day of the always-on fleet that serves `tokens_per_day`."""
    replica_per_day = _replica_usd_per_day(gpu_usd_per_hour, gpus)
    return replicas_needed(tokens_per_day, capacity_tokens_per_second) * replica_per_day


def monthly_cost_api(tokens_per_day: float, api_usd_per_million: float) -> float:
    """Dollars per (average) month of paying an API per token."""
    return daily_cost_api(tokens_per_day, api_usd_per_million) * DAYS_PER_MONTH


def monthly_cost_selfhost(tokens_per_day: float, gpu_usd_per_hour: float, gpus: int,
                          capacity_tokens_per_second: float) -> float:
    """Dollars per (average) month of the always-on fleet that serves `tokens_per_day`."""
    daily = daily_cost_selfhost(tokens_per_day, gpu_usd_per_hour, gpus, capacity_tokens_per_second)
    return daily * DAYS_PER_MONTH


def breakeven_tokens_per_day(api_usd_per_million: float, gpu_usd_per_hour: float, gpus: int,
                             capacity_tokens_per_second: float) -> float | None:
    """The daily volume from which one replica costs no more than the API; None if it never does.

    One replica costs F a day and the API p per token, so they meet at F / p. If that is past
    the replica's daily capacity C, self-hosting never wins: with k replicas it would need
    k * F / p > k * C tokens. Otherwise each added replica starts a short stretch, from k * C
    to k * F / p, where the API is cheaper again; chart `cost_table` to see it.
    """
    per_token = positive("api_usd_per_million", api_usd_per_million) / PER_MILLION
    volume = _replica_usd_per_day(gpu_usd_per_hour, gpus) / per_token
    capacity = positive("capacity_tokens_per_second", capacity_tokens_per_second) * SECONDS_PER_DAY
    reachable = volume <= capacity or math.isclose(volume, capacity)
    return volume if reachable else None


def payback_months(setup_cost_usd: float, monthly_saving_usd: float) -> float | None:
    """Months until a one-off setup cost is earned back; None when nothing is saved."""
    non_negative("setup_cost_usd", setup_cost_usd)
    if finite("monthly_saving_usd", monthly_saving_usd) <= 0:
        return None
    return setup_cost_usd / monthly_saving_usd


def volume_grid(max_tokens_per_day: float, capacity_tokens_per_second: float,
                points: int = 50) -> list[float]:
    """Evenly spaced daily volumes from 0 to the maximum, plus every replica step inside it."""
    positive("max_tokens_per_day", max_tokens_per_day)
    per_day = positive("capacity_tokens_per_second", capacity_tokens_per_second) * SECONDS_PER_DAY
    positive("points", points)
    steps = np.arange(per_day, max_tokens_per_day, per_day)
    grid = np.concatenate([np.linspace(0, max_tokens_per_day, int(points)), steps])
    return sorted({float(v) for v in grid})


def cost_table(tokens_per_day: Sequence[float], api_usd_per_million: float,
               gpu_usd_per_hour: float, gpus: int,
               capacity_tokens_per_second: float) -> pd.DataFrame:
    """Tidy monthly cost per daily volume: columns tokens_per_day, option ("API" or
    "self-host"), monthly_cost_usd, gpus (<NA> for the API). For a break-even chart, draw
    self-host with step interpolation over `volume_grid` (it includes the steps)."""
    rows = []
    for volume in tokens_per_day:
        api = monthly_cost_api(volume, api_usd_per_million)
        fleet = replicas_needed(volume, capacity_tokens_per_second) * gpus
        own = monthly_cost_selfhost(volume, gpu_usd_per_hour, gpus, capacity_tokens_per_second)
        rows += [(volume, "API", api, None), (volume, "self-host", own, fleet)]
    table = pd.DataFrame(rows, columns=["tokens_per_day", "option", "monthly_cost_usd", "gpus"])
    return table.astype({"tokens_per_day": float, "monthly_cost_usd": float, "gpus": "Int64"})


def _replica_usd_per_day(gpu_usd_per_hour: float, gpus: int) -> float:
    return positive("gpu_usd_per_hour", gpu_usd_per_hour) * positive("gpus", gpus) * HOURS_PER_DAY
