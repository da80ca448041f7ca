"""An open loop with Poisson arrivals: exponential gaps of mean 1 / rate, seeded."""

from __future__ import annotations

import itertools
import random
from typing import Literal

from llmopt.bench.profiles.base import OpenLoopStage


class PoissonProfile(OpenLoopStage):
    kind: Literal["poisson"] = "poisson"
    seed: int = 0

    def arrivals(self, n: int) -> list[float]:
        """The first request at 0 s, then exponential gaps; the same `seed` gives the same."""
        rng = random.Random(self.seed)
        gaps = [0.0] + [rng.expovariate(self.rate) for _ in range(n - 1)]
        return list(itertools.accumulate(gaps))[:n]
