"""An open loop at a constant rate: request i is sent at i / rate seconds."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from llmopt.bench.profiles.base import Stage


class ConstantProfile(Stage):
    kind: Literal["constant"] = "constant"
    rate: float = Field(gt=0, allow_inf_nan=False)
    """Requests per second."""
    max_concurrency: int | None = Field(default=None, ge=1)
    """Cap on requests in flight (a late request then waits); None: no cap."""

    @property
    def label(self) -> str:
        return f"constant@{self.rate:.4g}/s"

    def slots(self) -> int | None:
        return self.max_concurrency

    @property
    def target_rate(self) -> float:
        return self.rate

    def arrivals(self, n: int) -> list[float]:
        return [i / self.rate for i in range(n)]
