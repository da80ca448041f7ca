"""Quality compared request by request: the same requests graded under a baseline and a
candidate setting.

Only the *discordant* pairs (right under one setting, wrong under the other) carry evidence of a
difference. The difference in accuracy is the mean of the per-request differences (candidate
minus baseline: +1, 0 or -1); its 95% interval is a paired bootstrap of that mean
(`scipy.stats.bootstrap`, percentile method, a fixed seed so a rerun prints the same interval),
and the exact McNemar test (a two-sided binomial test of the discordant pairs,
`scipy.stats.binomtest`) gives its p-value. Identical outcomes give a zero-width interval.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict
from scipy import stats

from llmopt.errors import ConfigError

CONFIDENCE = 0.95
RESAMPLES = 9999
SEED = 0
METHOD = ("paired bootstrap of the per-request difference (95%, percentile, 9,999 resamples); "
          "exact McNemar p-value")


class PairedQuality(BaseModel):
    """Accuracy of a candidate against its baseline on the same graded requests; in points."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    n: int
    """Requests graded under both settings."""
    baseline_correct: int
    candidate_correct: int
    candidate_only: int
    """Discordant pairs the candidate got right and the baseline wrong."""
    baseline_only: int
    """Discordant pairs the baseline got right and the candidate wrong."""
    difference_points: float
    low_points: float
    high_points: float
    """The 95% interval of the difference, in accuracy points."""
    p_value: float
    method: str = METHOD
    by_tier: dict[str, PairedQuality] = {}

    @property
    def discordant(self) -> int:
        return self.candidate_only + self.baseline_only

    @property
    def discordant_rate(self) -> float:
        return self.discordant / self.n if self.n else 0.0

    @property
    def interval(self) -> str:
        return f"[{self.low_points:+.1f}, {self.high_points:+.1f}]"

    @classmethod
    def unchanged(cls, why: str) -> PairedQuality:
        """Outputs that are the same by construction (the same weights on other hardware):
        no request can change, so the difference is 0 with a zero-width interval."""
        return cls(n=0, baseline_correct=0, candidate_correct=0, candidate_only=0,
                   baseline_only=0, difference_points=0.0, low_points=0.0, high_points=0.0,
                   p_value=1.0, method=f"not measured: {why}")


def paired_quality(baseline: Sequence[bool], candidate: Sequence[bool],
                   tiers: Sequence[str] | None = None) -> PairedQuality:
    """Compare per-request outcomes in the same order (request i under both settings); with
    `tiers` (one label per request) the comparison is repeated per tier in `by_tier`."""
    base, cand = _outcomes(baseline, candidate)
    result = _compare(base, cand)
    if tiers is None:
        return result
    labels = np.asarray(list(tiers), dtype=str)
    if len(labels) != len(base):
        raise ConfigError(f"tiers has {len(labels)} labels for {len(base)} requests: "
                          "give one tier per request, or none")
    by_tier = {tier: _compare(base[labels == tier], cand[labels == tier])
               for tier in sorted(set(labels))}
    return result.model_copy(update={"by_tier": by_tier})


def _outcomes(baseline: Sequence[bool], candidate: Sequence[bool]) -> tuple[np.ndarray, ...]:
    base, cand = np.asarray(list(baseline)), np.asarray(list(candidate))
    if len(base) != len(cand):
        raise ConfigError(f"paired outcomes must cover the same requests: the baseline has "
                          f"{len(base)}, the candidate {len(cand)}")
    if len(base) == 0:
        raise ConfigError("paired outcomes are empty (n=0): grade at least one request "
                          "under both settings")
    for name, values in (("baseline", base), ("candidate", cand)):
        if not np.isin(values, [True, False, 0, 1]).all():
            raise ConfigError(f"{name} outcomes must be True/False (or 1/0) per request; got "
                              f"{sorted(set(map(str, values)) - {'True', 'False', '0', '1'})}")
    return base.astype(bool), cand.astype(bool)


def _compare(base: np.ndarray, cand: np.ndarray) -> PairedQuality:
    diff = cand.astype(float) - base.astype(float)
    candidate_only, baseline_only = int((diff > 0).sum()), int((diff < 0).sum())
    low, high = _interval(diff)
    discordant = candidate_only + baseline_only
    p_value = stats.binomtest(candidate_only, discordant).pvalue if discordant else 1.0
    return PairedQuality(n=len(diff), baseline_correct=int(base.sum()),
                         candidate_correct=int(cand.sum()), candidate_only=candidate_only,
                         baseline_only=baseline_only, difference_points=100 * float(diff.mean()),
                         low_points=100 * low, high_points=100 * high, p_value=float(p_value))


def _interval(diff: np.ndarray) -> tuple[float, float]:
    if not diff.any():  # every resample is all zeros: the bootstrap's answer, without the work
        return 0.0, 0.0
    if len(diff) < 2:  # one changed request says nothing about how often it happens
        return -1.0, 1.0
    result = stats.bootstrap((diff,), np.mean, confidence_level=CONFIDENCE,
                             n_resamples=RESAMPLES, method="percentile", batch=1000,
                             rng=np.random.default_rng(SEED))
    return float(result.confidence_interval.low), float(result.confidence_interval.high)
