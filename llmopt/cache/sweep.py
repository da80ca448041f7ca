"""Threshold sweep from one pass of lookups: hit rate, false-hit rate, $ and latency saved.

`lookups` holds one row per replayed request: `similarity` (cosine to the nearest request
already in the cache, -1 when none; exact repeats have 1.0), `served_correct` (whether that
nearest request's answer grades right for *this* request, against this request's reference),
`cost_usd` and `latency_s` (what sending this request costs). Every earlier request counts as
cached (a real cache writes only misses back, so this is the upper bound on reuse). A threshold
t serves every request with similarity >= t from the cache; a served answer that grades wrong is
a false hit.
The sweep re-uses the same similarities for every threshold, so the server is queried once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from llmopt.errors import ConfigError
from llmopt.report.records import require_columns

LOOKUP_COLUMNS = ("similarity", "served_correct", "cost_usd", "latency_s")
CURVE_COLUMNS = ("threshold", "hit_rate", "false_hit_rate", "usd_saved", "latency_saved_s")


def curve(lookups: pd.DataFrame, thresholds: np.ndarray | None = None) -> pd.DataFrame:
    """One row per threshold: shares of all requests served (hit) and served wrong (false hit),
    $ and seconds of latency saved by the hits (sum over the sample)."""
    require_columns(lookups, LOOKUP_COLUMNS, "cache lookups")
    if len(lookups) == 0:
        raise ConfigError("cache lookups: the frame has no rows; replay at least one request")
    ts = np.round(np.linspace(0.5, 1.0, 51), 4) if thresholds is None else np.asarray(thresholds)
    sim = lookups["similarity"].to_numpy(float)
    ok = lookups["served_correct"].to_numpy(bool)
    cost = lookups["cost_usd"].to_numpy(float)
    lat = lookups["latency_s"].to_numpy(float)
    rows = []
    for t in ts:
        hit = sim >= t
        rows.append({"threshold": float(t), "hit_rate": float(hit.mean()),
                     "false_hit_rate": float((hit & ~ok).mean()),
                     "usd_saved": float(cost[hit].sum()),
                     "latency_saved_s": float(lat[hit].sum())})
    return pd.DataFrame(rows, columns=list(CURVE_COLUMNS))


def pick_threshold(sweep: pd.DataFrame, false_hit_budget: float) -> pd.Series:
    """The row with the most hits whose false-hit rate stays within the budget (share of all
    requests); ties go to the higher threshold. A ConfigError says so when no threshold fits."""
    require_columns(sweep, CURVE_COLUMNS, "cache threshold curve")
    if not 0.0 <= false_hit_budget < 1.0:
        raise ConfigError(f"false_hit_budget={false_hit_budget!r} is not valid; use a share of "
                          "requests in [0, 1)")
    fits = sweep[sweep["false_hit_rate"] <= false_hit_budget]
    if fits.empty:
        raise ConfigError(f"no threshold keeps false hits within {false_hit_budget:.2%}; lowest "
                          f"reached: {sweep['false_hit_rate'].min():.2%}")
    best = fits["hit_rate"].max()
    return fits[fits["hit_rate"] == best].sort_values("threshold").iloc[-1]
