"""The effect check: did a serving option that vLLM accepted do what it promises, here?

vLLM accepts many flags that do nothing on a given build or workload (a KV dtype whose capacity
stays at the default's, speculation that never gets a draft token accepted, prefix caching on
prompts that share nothing). Each check takes the option's own mechanism as the server reports
it (KV capacity from the startup log, /metrics counters as a `MetricsDelta`) plus the speed and
quality of the same requests with and without the option (`Outcome`, e.g. from a bench
summary row) and returns an `Effect`: what the option promised, what was measured, a verdict.

Verdicts, in the order they are decided:
- `not measurable here`: the mechanism's evidence is missing (no metrics, no capacity line, no
  request that could use it);
- `no effect`: the server shows the mechanism did nothing (capacity unchanged, zero accepted
  draft tokens, zero prefix-cache hits);
- `harmful`: it worked but the requests got slower or less accurate beyond noise;
- `effective`: it worked and nothing got worse beyond noise.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from llmopt.report.decision import COLUMNS, Measure, decide
from llmopt.results import save
from llmopt.serve.metrics import MetricsDelta

Verdict = Literal["effective", "no effect", "harmful", "not measurable here"]
VERDICTS: tuple[Verdict, ...] = ("effective", "no effect", "harmful", "not measurable here")

MIN_CAPACITY_GAIN = 1.05
"""KV capacity ratio (option / default) below which a KV dtype changed nothing. vLLM's capacity is
whole blocks of the same memory, so an unchanged byte width gives exactly 1.00; the smallest real
change (16 -> 8 bits) gives 2.00. 5% is far above block rounding and far below any real gain."""

MIN_PREFIX_HIT_RATE = 0.01
"""Prefix-cache hit tokens / queried tokens below which caching did nothing: a cache that serves
under 1% of prompt tokens saves less prefill than run-to-run noise. vLLM counts whole blocks, so
prompts that share nothing give exactly 0."""

MIN_ACCEPTED_TOKENS = 1
"""Accepted draft tokens below which speculation did nothing: with none accepted every step
emits one token, as without speculation, and the drafting is pure overhead."""

LATENCY_NOISE_PCT = 15.0
"""A latency (TTFT, TPOT, p50 end to end) counts as worse only beyond +15%: medians of the same
few-request stage on a shared 2-core box moved by up to ~10% between repeated runs here."""

THROUGHPUT_NOISE_PCT = 15.0
"""Tokens/s counts as worse only beyond -15%, for the same reason as LATENCY_NOISE_PCT."""

MIN_QUALITY_NOISE_POINTS = 2.0
"""Accuracy counts as worse only beyond max(2 points, two binomial standard errors): the few
graded requests of a notebook stage give a standard error of several points on their own."""


class Outcome(BaseModel):
    """Speed and quality of one configuration on the same requests; None = not measured."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    latency_s: float | None = Field(default=None, ge=0)
    """A latency where lower is better: TTFT for prefix caching, TPOT for speculation."""
    tokens_per_s: float | None = Field(default=None, ge=0)
    accuracy: float | None = Field(default=None, ge=0, le=1)
    requests: int = Field(default=0, ge=0)
    """Graded requests behind `accuracy` (for its noise band)."""

    @classmethod
    def from_summary(cls, row: dict[str, Any], latency: str = "latency_s_p50",
                     throughput: str = "output_tokens_per_s") -> Outcome:
        """From a bench summary row (`BenchResult.summary()` as records): the named columns."""
        return cls(latency_s=_number(row.get(latency)), tokens_per_s=_number(row.get(throughput)),
                   accuracy=_number(row.get("accuracy")), requests=int(row.get("requests") or 0))


class Effect(BaseModel):
    """What an option promised, what was measured, and the verdict."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    option: str
    promised: str
    measured: str
    verdict: Verdict
    why: str

    def row(self) -> dict[str, str]:
        """The effect as a table row."""
        return self.model_dump()


def quality_noise_points(accuracy: float, requests: int) -> float:
    """The accuracy drop (points) that counts as real: max(2, two binomial standard errors)."""
    if requests <= 0:
        return math.inf
    spread = 2 * 100 * math.sqrt(max(accuracy * (1 - accuracy), 0.25 / requests) / requests)
    return max(MIN_QUALITY_NOISE_POINTS, spread)


def kv_dtype_effect(dtype: str, base_tokens: int | None, tokens: int | None,
                    base: Outcome | None = None, candidate: Outcome | None = None,
                    base_dtype: str = "auto", noise_pct: float | None = None) -> Effect:
    """A KV-cache dtype against `base_dtype`, from the capacities the servers reported."""
    option = f"kv_cache_dtype={dtype}"
    promised = f"more KV-cache tokens in the same memory than {base_dtype} (8-bit: 2x, 4-bit: ~4x)"
    if not base_tokens or not tokens:
        return Effect(option=option, promised=promised, measured="no KV capacity reported",
                      verdict="not measurable here",
                      why="a server did not log its KV capacity (refused or not started)")
    ratio = tokens / base_tokens
    measured = f"{tokens:,} vs {base_tokens:,} tokens ({ratio:.2f}x)"
    if ratio < MIN_CAPACITY_GAIN:
        return Effect(option=option, promised=promised, measured=measured, verdict="no effect",
                      why=f"accepted, but the capacity is {ratio:.2f}x {base_dtype}'s "
                          f"(< {MIN_CAPACITY_GAIN:.2f}x)")
    return _judged(option, promised, measured, base, candidate, noise_pct)


def prefix_cache_effect(delta: MetricsDelta | None, base: Outcome | None = None,
                        candidate: Outcome | None = None,
                        noise_pct: float | None = None) -> Effect:
    """Prefix caching on, from the /metrics delta of the run with it on."""
    option = "enable_prefix_caching"
    promised = "shared prompt prefixes served from cache: fewer prompt tokens computed, lower TTFT"
    if delta is None or delta.prefix_cache_queries <= 0:
        return Effect(option=option, promised=promised, measured="no prefix-cache queries",
                      verdict="not measurable here",
                      why="the server's /metrics counted no prefix-cache lookups")
    rate = delta.prefix_cache_hit_rate or 0.0
    measured = (f"hit rate {rate:.1%} ({delta.prefix_cache_hits:,.0f} of "
                f"{delta.prefix_cache_queries:,.0f} prompt tokens from cache)")
    if rate < MIN_PREFIX_HIT_RATE:
        return Effect(option=option, promised=promised, measured=measured, verdict="no effect",
                      why=f"hit rate below {MIN_PREFIX_HIT_RATE:.0%}: the prompts share no "
                          "cached prefix")
    return _judged(option, promised, measured, base, candidate, noise_pct)


def speculation_effect(method: str, delta: MetricsDelta | None, base: Outcome | None = None,
                       candidate: Outcome | None = None,
                       noise_pct: float | None = None) -> Effect:
    """Speculative decoding with `method`, from the /metrics delta of the run with it on."""
    option = f"speculative={method}"
    promised = "several tokens per target step: lower TPOT and more tokens/s at low concurrency"
    if delta is None or delta.spec_decode_num_draft_tokens <= 0:
        return Effect(option=option, promised=promised, measured="no draft tokens proposed",
                      verdict="not measurable here",
                      why="the server's /metrics counted no speculative drafts")
    measured = (f"{delta.spec_decode_num_accepted_tokens:,.0f} of "
                f"{delta.spec_decode_num_draft_tokens:,.0f} draft tokens accepted "
                f"({delta.spec_decode_acceptance_rate:.1%}), mean accepted length "
                f"{delta.spec_decode_mean_acceptance_length:.2f}")
    if delta.spec_decode_num_accepted_tokens < MIN_ACCEPTED_TOKENS:
        return Effect(option=option, promised=promised, measured=measured, verdict="no effect",
                      why="no draft token was accepted: every step emits one token, as without")
    return _judged(option, promised, measured, base, candidate, noise_pct)


DECISION_COLUMNS = [*COLUMNS[:5], "verdict", *COLUMNS[5:]]
"""The decision table's columns with the effect check's verdict before keep / why."""


def effect_row(technique: str, setting: str, baseline: Measure | None,
               candidate: Measure | None, effect: Effect, reason: str | None = None) -> dict:
    """A decision row (`llmopt.report.decision.decide`) with the effect's verdict: only an
    `effective` option can be kept; without measures (not run here) the deltas are empty and
    `reason` (or the effect's why) says why."""
    if baseline is None or candidate is None:
        nan = float("nan")
        return {"technique": technique, "setting": setting, "delta_cost_pct": nan,
                "delta_latency_pct": nan, "delta_quality_points": nan,
                "verdict": effect.verdict, "keep": False,
                "why": f"{effect.verdict}: {reason or effect.why}"}
    row = decide(technique, setting, baseline, candidate)
    if effect.verdict != "effective":
        row |= {"keep": False, "why": f"{effect.verdict}: {effect.why}"}
    return row | {"verdict": effect.verdict}


def save_decisions(results_dir: str | Path, name: str, rows: list[dict],
                   **extra: Any) -> pd.DataFrame:
    """Save effect-checked decision rows (with their verdicts) as results_dir/name.json."""
    frame = pd.DataFrame(rows, columns=DECISION_COLUMNS)
    save(results_dir, name, {"decisions": frame.to_dict(orient="records"), **extra})
    return frame


def _judged(option: str, promised: str, measured: str, base: Outcome | None,
            candidate: Outcome | None, noise_pct: float | None) -> Effect:
    """The mechanism worked: harmful if slower or less accurate beyond noise, else effective.
    `noise_pct` (e.g. the spread of repeated baseline runs) replaces both speed noise bands."""
    if base is None or candidate is None:
        return Effect(option=option, promised=promised, measured=measured, verdict="effective",
                      why="the mechanism worked; speed and quality were not compared")
    harms = _harms(base, candidate, noise_pct)
    changes = _changes(base, candidate)
    measured = "; ".join([measured, *changes]) if changes else measured
    if harms:
        return Effect(option=option, promised=promised, measured=measured, verdict="harmful",
                      why="; ".join(harms))
    return Effect(option=option, promised=promised, measured=measured, verdict="effective",
                  why="the mechanism worked and nothing got worse beyond noise")


def _harms(base: Outcome, candidate: Outcome, noise_pct: float | None = None) -> list[str]:
    harms = []
    latency_band = LATENCY_NOISE_PCT if noise_pct is None else noise_pct
    rate_band = THROUGHPUT_NOISE_PCT if noise_pct is None else noise_pct
    d_latency = _pct(candidate.latency_s, base.latency_s)
    if d_latency is not None and d_latency > latency_band:
        harms.append(f"latency +{d_latency:.0f}% (noise band {latency_band:g}%)")
    d_rate = _pct(candidate.tokens_per_s, base.tokens_per_s)
    if d_rate is not None and d_rate < -rate_band:
        harms.append(f"tokens/s {d_rate:.0f}% (noise band {rate_band:g}%)")
    if base.accuracy is not None and candidate.accuracy is not None:
        drop = 100 * (base.accuracy - candidate.accuracy)
        noise = quality_noise_points(base.accuracy, min(base.requests, candidate.requests))
        if drop > noise:
            harms.append(f"accuracy -{drop:.1f} points (noise band {noise:.1f})")
    return harms


def _changes(base: Outcome, candidate: Outcome) -> list[str]:
    changes = []
    if (d := _pct(candidate.latency_s, base.latency_s)) is not None:
        changes.append(f"latency {d:+.0f}%")
    if (d := _pct(candidate.tokens_per_s, base.tokens_per_s)) is not None:
        changes.append(f"tokens/s {d:+.0f}%")
    if base.accuracy is not None and candidate.accuracy is not None:
        changes.append(f"accuracy {100 * (candidate.accuracy - base.accuracy):+.1f} points")
    return changes


def _pct(value: float | None, base: float | None) -> float | None:
    if value is None or base is None or base <= 0:
        return None
    return 100 * (value / base - 1)


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number
