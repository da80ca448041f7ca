"""A cost or a latency of a candidate against its baseline's, with the noise it carries.

Lower is better for every `Change` (a throughput enters as the cost of a token, which falls as
the throughput rises). Two kinds:

- exact: a token bill. The tokens a request is billed are fixed once its output is, so the
  change needs no interval (and says so);
- measured: a latency or a throughput, which moves from run to run. It counts as better or
  worse only when the 95% interval of the ratio candidate / baseline excludes 1; otherwise it is
  "no measurable change".

Where the requests were sent in interleaved rounds (llmopt.bench.interleave, after a warm-up),
each round gives one ratio of the two settings, measured minutes apart at most, and the interval
is a paired t interval of the log ratios over the rounds (`round_ratio_change`): requests of one
round share the machine's state at that moment, so they are not independent draws, and an A/A
check (two identical servers, benchmarks/interleave_aa.py) shows an interval over requests
flagging a "difference" between them in a quarter to three quarters of repeats. Where there are
no rounds (one pass, e.g. a cache replayed on the same requests), the interval is a paired
bootstrap over the requests (`ratio_change`), and the method says so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict
from scipy import stats

from llmopt.errors import ConfigError

Direction = Literal["better", "worse", "no measurable change"]
Statistic = Literal["median", "mean"]

CONFIDENCE = 0.95
RESAMPLES = 9999
SEED = 0
EXACT = "exact: billed tokens are fixed by the outputs, no interval needed"


def relative_change(value: float, base: float) -> float:
    """Percent change of `value` against `base`: 0.0 when both are 0, +/-inf when only the base
    is (one helper, so every table agrees)."""
    if base == 0:
        return 0.0 if value == 0 else math.copysign(math.inf, value)
    return 100 * (value / base - 1)


class Change(BaseModel):
    """Candidate against baseline on one lower-is-better figure."""

    model_config = ConfigDict(extra="forbid", frozen=True, ser_json_inf_nan="constants")

    metric: str
    baseline: float
    candidate: float
    low: float | None = None
    high: float | None = None
    """The 95% interval of the ratio candidate / baseline; None for an exact change."""
    n: int = 0
    method: str = EXACT

    @property
    def exact(self) -> bool:
        return self.low is None

    @property
    def ratio(self) -> float:
        return self.candidate / self.baseline if self.baseline else math.inf

    @property
    def pct(self) -> float:
        return relative_change(self.candidate, self.baseline)

    @property
    def direction(self) -> Direction:
        low, high = (self.ratio, self.ratio) if self.exact else (self.low, self.high)
        if high < 1 and not math.isclose(high, 1.0, rel_tol=1e-9):
            return "better"
        if low > 1 and not math.isclose(low, 1.0, rel_tol=1e-9):
            return "worse"
        return "no measurable change"

    @property
    def interval(self) -> str:
        """The interval as percent changes, or why there is none."""
        if self.exact:
            return "exact"
        return f"[{100 * (self.low - 1):+.1f}%, {100 * (self.high - 1):+.1f}%]"

    def describe(self) -> str:
        """E.g. "TTFT p50 -12.0% [-20.1%, -3.9%]", or "... no measurable change"."""
        text = f"{self.metric} {self.pct:+.1f}%"
        text += "" if self.exact else f" {self.interval}"
        return text if self.direction != "no measurable change" else f"{text}: no measurable change"


def exact_change(metric: str, baseline: float, candidate: float, n: int = 0) -> Change:
    """A change with no noise of its own (a token bill for the same outputs)."""
    _finite(metric, baseline, candidate)
    return Change(metric=metric, baseline=baseline, candidate=candidate, n=n)


def ratio_change(metric: str, baseline: Sequence[float], candidate: Sequence[float],
                 statistic: Statistic = "median") -> Change:
    """The ratio of `statistic` (candidate over baseline) of per-request values paired by
    position (request i under both settings), with a paired bootstrap interval."""
    base, cand = _paired(metric, baseline, candidate)
    reduce = np.median if statistic == "median" else np.mean

    def ratio(b: np.ndarray, c: np.ndarray, axis: int = -1) -> np.ndarray:
        return reduce(c, axis=axis) / reduce(b, axis=axis)

    low, high = _bootstrap(ratio, base, cand)
    method = (f"ratio of {statistic}s, paired bootstrap over {len(base)} requests "
              "(95%, percentile)")
    return Change(metric=metric, baseline=float(reduce(base)), candidate=float(reduce(cand)),
                  low=low, high=high, n=len(base), method=method)


def round_ratio_change(metric: str, baseline: Sequence[float], candidate: Sequence[float],
                       method: str) -> Change:
    """The ratio of a statistic per interleaved round (round i of the baseline and of the
    candidate, sent back to back): the geometric mean of the per-round ratios, with a paired t
    interval of their logs over the rounds (`scipy.stats.ttest_1samp`). `baseline` and
    `candidate` hold the statistic of each round (a median latency, a cost per token)."""
    base, cand = _paired(metric, baseline, candidate)
    if len(base) < 2 or not (base > 0).all() or not (cand > 0).all():
        raise ConfigError(f"{metric}: a round-paired interval needs at least 2 rounds of "
                          f"positive values, got {base.tolist()} and {cand.tolist()}")
    logs = np.log(cand / base)
    if np.ptp(logs) == 0:
        low = high = float(np.exp(logs[0]))
    else:
        interval = stats.ttest_1samp(logs, 0.0).confidence_interval(CONFIDENCE)
        low, high = float(np.exp(interval.low)), float(np.exp(interval.high))
    mean = float(np.exp(logs.mean()))
    return Change(metric=metric, baseline=float(np.exp(np.log(base).mean())),
                  candidate=float(np.exp(np.log(base).mean())) * mean, low=low, high=high,
                  n=len(base), method=f"{method}; paired t interval of log ratios over "
                                      f"{len(base)} interleaved rounds (95%)")


def throughput_cost_change(metric: str, baseline: tuple[Sequence[float], Sequence[float]],
                           candidate: tuple[Sequence[float], Sequence[float]],
                           usd_per_hour: float, in_flight: int) -> Change:
    """Self-hosting $ per 1M tokens from per-request (tokens, seconds) pairs of the same
    requests in a closed loop of `in_flight` streams: throughput = in_flight x sum(tokens) /
    sum(seconds) (Little's law), priced at `usd_per_hour`. The interval is a paired bootstrap
    of the ratio of costs; throughput and latency then come from the same requests."""
    if usd_per_hour <= 0 or in_flight < 1:
        raise ConfigError(f"usd_per_hour must be > 0 and in_flight >= 1; got {usd_per_hour}, "
                          f"{in_flight}")
    base_tokens, base_s = _paired(metric, *baseline)
    cand_tokens, cand_s = _paired(metric, *candidate)
    if len(base_tokens) != len(cand_tokens):
        raise ConfigError(f"{metric}: the baseline has {len(base_tokens)} requests, the "
                          f"candidate {len(cand_tokens)}: pair them first")

    def usd(tokens: np.ndarray, seconds: np.ndarray, axis: int = -1) -> np.ndarray:
        return usd_per_million_tokens(tokens, seconds, usd_per_hour, in_flight, axis)

    def ratio(bt: np.ndarray, bs: np.ndarray, ct: np.ndarray, cs: np.ndarray,
              axis: int = -1) -> np.ndarray:
        return usd(ct, cs, axis) / usd(bt, bs, axis)

    low, high = _bootstrap(ratio, base_tokens, base_s, cand_tokens, cand_s)
    method = (f"$/h over tokens/s = {in_flight} x sum(tokens) / sum(latency), paired bootstrap "
              f"over {len(base_tokens)} requests (95%, percentile)")
    return Change(metric=metric, baseline=float(usd(base_tokens, base_s)),
                  candidate=float(usd(cand_tokens, cand_s)), low=low, high=high,
                  n=len(base_tokens), method=method)


def usd_per_million_tokens(tokens: Any, seconds: Any, usd_per_hour: float, in_flight: int,
                           axis: int = -1) -> Any:
    """Self-hosting $ per 1M tokens of requests served `in_flight` at a time in a closed loop:
    throughput = in_flight x sum(tokens) / sum(seconds) (Little's law), at `usd_per_hour`."""
    per_s = in_flight * np.sum(tokens, axis=axis) / np.sum(seconds, axis=axis)
    return usd_per_hour / (per_s * 3600) * 1e6


def _bootstrap(statistic, *samples: np.ndarray) -> tuple[float, float]:
    if len(samples[0]) < 2:
        return -math.inf, math.inf  # one request says nothing about noise
    result = stats.bootstrap(samples, statistic, paired=True, vectorized=True,
                             confidence_level=CONFIDENCE, n_resamples=RESAMPLES,
                             method="percentile", batch=1000, rng=np.random.default_rng(SEED))
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def _paired(metric: str, first: Sequence[float], second: Sequence[float]) -> tuple[np.ndarray, ...]:
    a, b = np.asarray(list(first), dtype=float), np.asarray(list(second), dtype=float)
    if len(a) != len(b) or len(a) == 0:
        raise ConfigError(f"{metric}: paired values must cover the same requests and at least "
                          f"one; got {len(a)} and {len(b)}")
    if not (np.isfinite(a).all() and np.isfinite(b).all() and (a >= 0).all() and (b >= 0).all()):
        raise ConfigError(f"{metric}: values must be finite and >= 0 (a failed request has no "
                          "latency: leave it out of both)")
    return a, b


def _finite(metric: str, *values: float) -> None:
    if not all(math.isfinite(v) and v >= 0 for v in values):
        raise ConfigError(f"{metric}: values must be finite and >= 0, got {values}")
