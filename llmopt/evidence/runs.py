"""The evidence of one setting against its baseline, from the two runs' request records.

Both runs must have answered the same requests (the same ids, warm-up requests left out); they
are paired by id. Quality: every paired request's grade (a failed request counts as wrong).
Cost: the token bill per request (exact) or self-hosting $ per 1M tokens from the throughput
(measured, with an interval). Latency: one timing column's median ratio (measured).

Timed figures are compared round by round where the runs were sent in interleaved rounds (each
round is a session of its own in the records; round i of the baseline and of the candidate went
back to back): one ratio per round, an interval over the rounds. Runs without rounds fall back
to an interval over the requests that succeeded under both settings.
"""

from __future__ import annotations

from typing import Literal

import pandas as pd

from llmopt.errors import ConfigError
from llmopt.evidence.change import (
    Change,
    exact_change,
    ratio_change,
    round_ratio_change,
    throughput_cost_change,
    usd_per_million_tokens,
)
from llmopt.evidence.decision import Evidence
from llmopt.evidence.quality import paired_quality

COST = "self-host $ per 1M tokens"
THROUGHPUT = "$/h over tokens/s = in flight x sum(tokens) / sum(latency) per round"
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
    rounds = _rounds(baseline, candidate)
    price = (usd_per_hour, in_flight)
    if cost == "tokens":
        cost_change = _token_cost(pairs)
    elif cost == "throughput":
        if usd_per_hour is None:
            raise ConfigError("cost='throughput' needs usd_per_hour (the GPU's $/hour)")
        cost_change = (_round_cost(rounds, price) if rounds else
                       _request_cost(ok, price))
    elif cost is None:
        cost_change = None
    else:
        raise ConfigError(f"cost must be 'tokens', 'throughput' or None, got {cost!r}")
    latency_change = None if latency is None else (
        _round_latency(rounds, latency) if rounds else _latency(ok, latency))
    conflict = _conflict(ok, rounds, cost_change, in_flight)
    return Evidence(quality=quality, cost=cost_change, latency=latency_change,
                    conflict=conflict)


def _rounds(baseline: pd.DataFrame, candidate: pd.DataFrame
            ) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """(baseline round, candidate round) pairs in time order, each the successful measured
    requests of one session; none when either run has fewer than two sessions or their
    counts differ."""
    def sessions(frame: pd.DataFrame) -> list[pd.DataFrame]:
        rows = frame[(frame["status"] == "ok") & ~frame["warmup"].fillna(False).astype(bool)]
        if "session" not in rows:
            return []
        order = rows.groupby("session")["start_s"].min().sort_values().index
        return [rows[rows["session"] == s] for s in order]

    base, cand = sessions(baseline), sessions(candidate)
    return list(zip(base, cand, strict=True)) if len(base) == len(cand) >= 2 else []


def _token_cost(pairs: pd.DataFrame) -> Change:
    if pairs["cost_usd_b"].isna().any() or pairs["cost_usd_c"].isna().any():
        raise ConfigError("cost='tokens' needs priced records (run the bench with a price)")
    return exact_change("$ per 1M requests (billed tokens)",
                        1e6 * float(pairs["cost_usd_b"].mean()),
                        1e6 * float(pairs["cost_usd_c"].mean()), n=len(pairs))


def _usd(rows: pd.DataFrame, price: tuple[float, int]) -> float:
    tokens = (rows["prompt_tokens"] + rows["output_tokens"]).to_numpy(dtype=float)
    return float(usd_per_million_tokens(tokens, rows["latency_s"].to_numpy(dtype=float), *price))


def _round_cost(rounds: list[tuple[pd.DataFrame, pd.DataFrame]],
                price: tuple[float, int]) -> Change:
    return round_ratio_change(COST, [_usd(b, price) for b, _ in rounds],
                              [_usd(c, price) for _, c in rounds], THROUGHPUT)


def _request_cost(ok: pd.DataFrame, price: tuple[float, int]) -> Change:
    tokens = {s: (ok[f"prompt_tokens_{s}"] + ok[f"output_tokens_{s}"]).astype(float)
              for s in "bc"}
    return throughput_cost_change(COST, (tokens["b"], ok["latency_s_b"]),
                                  (tokens["c"], ok["latency_s_c"]), usd_per_hour=price[0],
                                  in_flight=price[1])


def _round_latency(rounds: list[tuple[pd.DataFrame, pd.DataFrame]], column: str) -> Change:
    if column not in LATENCY_NAMES:
        raise ConfigError(f"unknown latency column {column!r}; valid: "
                          f"{', '.join(LATENCY_NAMES)}")
    return round_ratio_change(LATENCY_NAMES[column],
                              [float(b[column].dropna().median()) for b, _ in rounds],
                              [float(c[column].dropna().median()) for _, c in rounds],
                              "ratio of each round's medians")


def _latency(ok: pd.DataFrame, column: str) -> Change:
    if f"{column}_b" not in ok.columns:
        raise ConfigError(f"unknown latency column {column!r}; valid: "
                          f"{', '.join(LATENCY_NAMES)}")
    both = ok[ok[f"{column}_b"].notna() & ok[f"{column}_c"].notna()]
    return ratio_change(LATENCY_NAMES.get(column, column), both[f"{column}_b"],
                        both[f"{column}_c"])


def _conflict(ok: pd.DataFrame, rounds: list[tuple[pd.DataFrame, pd.DataFrame]],
              cost: Change | None, in_flight: int) -> str | None:
    """At one stream, a request's seconds per token (their median) and the throughput over the
    same requests (their sums) must move together; opposite verdicts mean a few requests skew
    the sums (a slow first request: was the server warmed up?)."""
    if cost is None or cost.exact or in_flight != 1:
        return None
    if rounds:
        latency = round_ratio_change("seconds per token p50",
                                     [_per_token(b).median() for b, _ in rounds],
                                     [_per_token(c).median() for _, c in rounds], "")
    else:
        latency = ratio_change("seconds per token p50", _per_token(ok, "_b"),
                               _per_token(ok, "_c"))
    if {cost.direction, latency.direction} == {"better", "worse"}:
        return (f"at one stream the same requests give {latency.describe()} and "
                f"{cost.describe()}: one figure is skewed (was the server warmed up?)")
    return None


def _per_token(rows: pd.DataFrame, suffix: str = "") -> pd.Series:
    tokens = rows[f"prompt_tokens{suffix}"] + rows[f"output_tokens{suffix}"]
    return rows[f"latency_s{suffix}"] / tokens


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
