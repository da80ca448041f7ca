"""The evidence of one setting against its baseline, from the two runs' request records.

Both runs must have answered the same requests (the same ids, warm-up requests left out); they
are paired by id. Quality: every paired request's grade (a failed request counts as wrong).
Cost: the token bill per request (exact) or self-hosting $ per 1M tokens from the throughput
(measured, with an interval). Latency: one timing column's median ratio (measured). Timings use
the requests that succeeded under both settings.
"""

from __future__ import annotations

from typing import Literal

import pandas as pd

from llmopt.errors import ConfigError
from llmopt.evidence.change import (
    Change,
    exact_change,
    ratio_change,
    throughput_cost_change,
)
from llmopt.evidence.decision import Evidence
from llmopt.evidence.quality import paired_quality

LATENCY_NAMES = {"ttft_s": "TTFT p50", "tpot_s": "TPOT p50", "latency_s": "latency p50",
                 "itl_mean_s": "ITL p50"}


def paired(baseline: pd.DataFrame, candidate: pd.DataFrame) -> pd.DataFrame:
    """The measured (non-warm-up) records of both runs side by side, one row per request id;
    columns carry the suffixes `_b` and `_c`. The two runs must hold the same ids, once each."""
    base, cand = _measured(baseline, "baseline"), _measured(candidate, "candidate")
    if set(base["id"]) != set(cand["id"]):
        only_b = sorted(set(base["id"]) - set(cand["id"]))
        only_c = sorted(set(cand["id"]) - set(base["id"]))
        raise ConfigError(f"a paired comparison needs the same requests in both runs: "
                          f"{len(only_b)} only in the baseline ({', '.join(only_b[:5])}), "
                          f"{len(only_c)} only in the candidate ({', '.join(only_c[:5])})")
    return base.merge(cand, on="id", suffixes=("_b", "_c"))


def compare_runs(baseline: pd.DataFrame, candidate: pd.DataFrame, *,
                 cost: Literal["tokens", "throughput"] | None = "tokens",
                 latency: str | None = "latency_s", usd_per_hour: float | None = None,
                 in_flight: int = 1) -> Evidence:
    """Quality, cost and latency of `candidate` against `baseline` (request record frames,
    e.g. `BenchResult.frame()`). `cost="throughput"` needs `usd_per_hour` (the GPU's price)
    and `in_flight` (the closed loop's concurrency, the same for both runs)."""
    pairs = paired(baseline, candidate)
    quality = paired_quality(pairs["correct_b"].fillna(False).astype(bool),
                             pairs["correct_c"].fillna(False).astype(bool),
                             tiers=pairs["tier_b"].astype(str))
    ok = pairs[(pairs["status_b"] == "ok") & (pairs["status_c"] == "ok")]
    if (cost == "throughput" or latency) and ok.empty:
        raise ConfigError("no request succeeded under both settings: nothing to time")
    cost_change = _cost(pairs, ok, cost, usd_per_hour, in_flight)
    latency_change = None if latency is None else _latency(ok, latency)
    conflict = _conflict(ok, cost_change, in_flight)
    return Evidence(quality=quality, cost=cost_change, latency=latency_change,
                    conflict=conflict)


def _cost(pairs: pd.DataFrame, ok: pd.DataFrame, cost: str | None, usd_per_hour: float | None,
          in_flight: int) -> Change | None:
    if cost is None:
        return None
    if cost == "tokens":
        if pairs["cost_usd_b"].isna().any() or pairs["cost_usd_c"].isna().any():
            raise ConfigError("cost='tokens' needs priced records (run the bench with a price)")
        return exact_change("$ per 1M requests (billed tokens)",
                            1e6 * float(pairs["cost_usd_b"].mean()),
                            1e6 * float(pairs["cost_usd_c"].mean()), n=len(pairs))
    if cost == "throughput":
        if usd_per_hour is None:
            raise ConfigError("cost='throughput' needs usd_per_hour (the GPU's $/hour)")
        tokens = {s: (ok[f"prompt_tokens_{s}"] + ok[f"output_tokens_{s}"]).astype(float)
                  for s in "bc"}
        return throughput_cost_change("self-host $ per 1M tokens",
                                      (tokens["b"], ok["latency_s_b"]),
                                      (tokens["c"], ok["latency_s_c"]),
                                      usd_per_hour=usd_per_hour, in_flight=in_flight)
    raise ConfigError(f"cost must be 'tokens', 'throughput' or None, got {cost!r}")


def _latency(ok: pd.DataFrame, column: str) -> Change:
    if f"{column}_b" not in ok.columns:
        raise ConfigError(f"unknown latency column {column!r}; valid: "
                          f"{', '.join(LATENCY_NAMES)}")
    both = ok[ok[f"{column}_b"].notna() & ok[f"{column}_c"].notna()]
    return ratio_change(LATENCY_NAMES.get(column, column), both[f"{column}_b"],
                        both[f"{column}_c"])


def _conflict(ok: pd.DataFrame, cost: Change | None, in_flight: int) -> str | None:
    """At one stream, a request's seconds per token (its median) and the throughput over the
    same requests (their sums) must move together; opposite verdicts mean a few requests skew
    the sums (a slow first request: was the server warmed up?)."""
    if cost is None or cost.exact or in_flight != 1:
        return None
    per_token = {s: ok[f"latency_s_{s}"] / (ok[f"prompt_tokens_{s}"] + ok[f"output_tokens_{s}"])
                 for s in "bc"}
    latency = ratio_change("seconds per token p50", per_token["b"], per_token["c"])
    if {cost.direction, latency.direction} == {"better", "worse"}:
        return (f"at one stream the same requests give {latency.describe()} and "
                f"{cost.describe()}: one figure is skewed (was the server warmed up?)")
    return None


def _measured(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    missing = {"id", "tier", "correct", "status"} - set(frame.columns)
    if missing:
        raise ConfigError(f"the {name} records lack column(s) {', '.join(sorted(missing))}")
    rows = frame[~frame["warmup"].fillna(False).astype(bool)] if "warmup" in frame else frame
    if rows.empty:
        raise ConfigError(f"the {name} run has no measured requests (n=0)")
    repeated = rows["id"][rows["id"].duplicated()].unique()
    if len(repeated):
        raise ConfigError(f"the {name} run answered request(s) {', '.join(map(str, repeated[:5]))} "
                          "more than once: compare one stage at a time")
    return rows
