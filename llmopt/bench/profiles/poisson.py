"""An open loop with Poisson arrivals: exponential gaps of mean 1 / rate, seeded."""

from __future__ import annotations

import itertools
import random
from typing import Literal

from pydantic import Field

from llmopt.bench.profiles.base import Stage


class PoissonProfile(Stage):
    kind: Literal["poisson"] = "poisson"
    rate: float = Field(gt=0, allow_inf_nan=False)
    """Mean requests per second."""
    seed: int = 0
    max_concurrency: int | None = Field(default=None, ge=1)
    """Cap on requests in flight (a late request then waits); None: no cap."""

    @property
    def label(self) -> str:
        return f"poisson@{self.rate:.4g}/s"

    def slots(self) -> int | None:
        return self.max_concurrency

    @property
    def target_rate(self) -> float:
        return self.rate

    def arrivals(self, n: int) -> list[float]:
        """The first request at 0 s, then exponential gaps; the same `seed` gives the same."""
        rng = random.Random(self.seed)
        gaps = [0.0] + [rng.expovariate(self.rate) for _ in range(n - 1)]
        return list(itertools.accumulate(gaps))[:n]
