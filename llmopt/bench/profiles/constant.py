"""An open loop at a constant rate: request i is sent at i / rate seconds."""

from __future__ import annotations

from typing import Literal

from llmopt.bench.profiles.base import OpenLoopStage


class ConstantProfile(OpenLoopStage):
    kind: Literal["constant"] = "constant"

    def arrivals(self, n: int) -> list[float]:
        return [i / self.rate for i in range(n)]
