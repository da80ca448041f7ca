"""A sweep, as guidellm does it: synchronous, then saturation, then rates in between.

Stage 1 runs one request at a time and measures the single-stream rate; stage 2 runs
`saturation_concurrency` requests in flight and measures the saturation rate; then `rates`
open-loop stages (constant or Poisson arrivals) at rates evenly spaced strictly between the two.
The sweep stops early when stage 1 or 2 measured no rate (no request succeeded).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from llmopt.bench.profiles.base import LoadProfile, Stage
from llmopt.bench.profiles.concurrent import ConcurrentProfile
from llmopt.bench.profiles.constant import ConstantProfile
from llmopt.bench.profiles.poisson import PoissonProfile
from llmopt.bench.profiles.synchronous import SynchronousProfile


class SweepProfile(LoadProfile):
    kind: Literal["sweep"] = "sweep"
    rates: int = Field(default=4, ge=1)
    """How many rates between the synchronous and the saturation rate."""
    saturation_concurrency: int = Field(default=32, ge=2)
    """Requests in flight in the saturation stage."""
    arrivals: Literal["constant", "poisson"] = "constant"
    seed: int = 0
    """Seed of the first Poisson stage (the next ones add 1 each)."""

    def next_stage(self, rates: list[float | None]) -> Stage | None:
        done = len(rates)
        if done == 0:
            return SynchronousProfile(**self.bounds())
        if done == 1:
            return ConcurrentProfile(concurrency=self.saturation_concurrency, **self.bounds())
        planned = self.planned_rates(rates[0], rates[1])
        if planned is None or done - 2 >= len(planned):
            return None
        return self._open_loop(planned[done - 2], done - 2)

    def planned_rates(self, sync_rate: float | None,
                      saturation_rate: float | None) -> list[float] | None:
        """The open-loop rates; None when either measured rate is missing."""
        if not sync_rate or not saturation_rate:
            return None
        return [float(r) for r in np.linspace(sync_rate, saturation_rate, self.rates + 2)[1:-1]]

    def _open_loop(self, rate: float, index: int) -> Stage:
        if self.arrivals == "poisson":
            return PoissonProfile(rate=rate, seed=self.seed + index, **self.bounds())
        return ConstantProfile(rate=rate, **self.bounds())
