"""How the business case moves when an assumption does: GPU utilisation, API prices falling
over the months, spot against on-demand GPUs, a night shutdown. One tidy row per factor and
level (`sensitivity`), and the month-by-month path of a price fall (`price_path`).

A level that cannot be priced (a GPU without a spot price, a shutdown shorter than the traffic's
hours) is a row with its reason in `note` and no figures, never a silent $0.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from llmopt.business.inputs import HOURS_PER_DAY, MoneyInputs
from llmopt.business.money import (
    BusinessCase,
    Option,
    business_case,
    monthly_cost,
    one_off_cost,
    parse,
)
from llmopt.errors import ConfigError
from llmopt.pricing.gpus import GpuCatalog

UTILIZATIONS = (0.1, 0.3, 0.5, 0.7, 0.9)
PRICE_FALLS = (1.0, 2.0, 5.0, 10.0)
"""API price falls per year: 10.0 is a tenth of today's prices a year from now."""
HORIZON_MONTHS = 24
SHUTDOWN_HOURS = 16.0
"""Hours a day the GPUs run with a night shutdown, where the inputs have none."""
MAX_PAYBACK_MONTHS = 120
"""A price path's payback is searched this far; past it: never."""

COLUMNS = ["factor", "level", "value", "today_usd", "after_usd", "monthly_saving_usd",
           "payback_months", "note"]


def sensitivity(inputs: MoneyInputs | Mapping[str, Any], option: Option,
                today: Option | None = None, catalog: GpuCatalog | None = None,
                utilizations: Sequence[float] = UTILIZATIONS,
                price_falls: Sequence[float] = PRICE_FALLS,
                horizon_months: int = HORIZON_MONTHS,
                shutdown_hours: float = SHUTDOWN_HOURS) -> pd.DataFrame:
    """One row per factor and level (COLUMNS): today's and the option's monthly cost, the
    monthly saving and the payback. A price fall's costs and saving are averages over
    `horizon_months` of its path, and its payback is the month the summed savings cover the
    one-off cost."""
    inputs = parse(inputs)
    catalog = catalog or GpuCatalog.load()
    fleet = inputs.fleet
    shutdown = fleet.gpu_hours_per_day if fleet.gpu_hours_per_day < HOURS_PER_DAY else \
        shutdown_hours
    variants: list[tuple[str, str, float, dict[str, Any]]] = [
        *(("GPU utilisation at peak", f"{u:.0%}", u, {"target_utilization": u})
          for u in utilizations),
        ("GPU price", "on demand", 0.0, {"spot": False}),
        ("GPU price", "spot", 1.0, {"spot": True}),
        ("night shutdown", "off (24 h)", HOURS_PER_DAY, {"gpu_hours_per_day": HOURS_PER_DAY}),
        ("night shutdown", f"on ({shutdown:g} h)", shutdown, {"gpu_hours_per_day": shutdown}),
    ]
    rows = [_row(factor, level, value,
                 lambda change=change: business_case(_with_fleet(inputs, change), option,
                                                     today, catalog))
            for factor, level, value, change in variants]
    for fall in price_falls:
        rows.append(_row("API price fall per year", f"{fall:g}x", fall,
                         lambda fall=fall: _path_row(inputs, option, today, catalog, fall,
                                                     horizon_months)))
    return pd.DataFrame(rows, columns=COLUMNS)


def price_path(inputs: MoneyInputs | Mapping[str, Any], option: Option,
               today: Option | None = None, catalog: GpuCatalog | None = None,
               fall_per_year: float = 10.0, months: int = HORIZON_MONTHS) -> pd.DataFrame:
    """Month by month (0 = now) with API prices falling `fall_per_year`-fold a year, smoothly
    (multiplier fall^(-month/12)): the multiplier, today's and the option's cost, the saving
    and the savings summed so far."""
    inputs = parse(inputs)
    if not fall_per_year >= 1 or fall_per_year == float("inf"):
        raise ConfigError(f"fall_per_year must be a finite number >= 1 (1: prices stay), "
                          f"got {fall_per_year!r}")
    if months < 1:
        raise ConfigError(f"months must be >= 1, got {months!r}")
    catalog = catalog or GpuCatalog.load()
    today = option if today is None else today
    rows = []
    for month in range(months):
        factor = fall_per_year ** (-month / 12)
        priced = inputs.model_copy(update={"api": inputs.api.scaled(factor)})
        before = monthly_cost(priced, today, "before", catalog).total_usd
        after = monthly_cost(priced, option, "after", catalog).total_usd
        rows.append({"month": month, "price_multiplier": factor, "today_usd": before,
                     "after_usd": after, "saving_usd": before - after})
    frame = pd.DataFrame(rows)
    frame["cumulative_saving_usd"] = frame["saving_usd"].cumsum()
    return frame


def path_payback(savings: Sequence[float], one_off_usd: float) -> float | None:
    """The (fractional) month the summed monthly `savings` first cover `one_off_usd`; None when
    they never do within the path."""
    if one_off_usd <= 0:
        return 0.0 if savings and savings[0] > 0 else None
    total = 0.0
    for month, saving in enumerate(savings):
        if saving > 0 and total + saving >= one_off_usd:
            return month + (one_off_usd - total) / saving
        total += saving
    return None


def _path_row(inputs: MoneyInputs, option: Option, today: Option | None,
              catalog: GpuCatalog, fall: float, horizon: int) -> dict[str, Any]:
    if fall == 1:
        case = business_case(inputs, option, today, catalog)
        return _figures(case.today.total_usd, case.after.total_usd, case.payback_months)
    path = price_path(inputs, option, today, catalog, fall, max(horizon, MAX_PAYBACK_MONTHS))
    one_off = one_off_cost(inputs.one_off, inputs.fleet, catalog).total_usd
    shown = path.iloc[:horizon]
    return _figures(shown["today_usd"].mean(), shown["after_usd"].mean(),
                    path_payback(list(path["saving_usd"]), one_off))


def _with_fleet(inputs: MoneyInputs, change: dict[str, Any]) -> MoneyInputs:
    data = inputs.model_dump(exclude_unset=True)
    data["fleet"] = inputs.fleet.model_dump(exclude_unset=True) | change
    return MoneyInputs.model_validate(data)


def _figures(today: float, after: float, payback: float | None) -> dict[str, Any]:
    return {"today_usd": today, "after_usd": after, "monthly_saving_usd": today - after,
            "payback_months": payback, "note": ""}


def _row(factor: str, level: str, value: float,
         compute: Callable[[], BusinessCase | dict[str, Any]]) -> dict[str, Any]:
    head = {"factor": factor, "level": level, "value": float(value)}
    try:
        found = compute()
    except ConfigError as error:
        return head | {"today_usd": None, "after_usd": None, "monthly_saving_usd": None,
                       "payback_months": None, "note": str(error)}
    if isinstance(found, BusinessCase):
        found = _figures(found.today.total_usd, found.after.total_usd, found.payback_months)
    return head | found
