"""A closed loop of `concurrency` requests in flight: the next goes when one finishes."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from llmopt.bench.profiles.base import Stage


class ConcurrentProfile(Stage):
    kind: Literal["concurrent"] = "concurrent"
    concurrency: int = Field(ge=1)
    """Requests in flight at all times."""

    @property
    def label(self) -> str:
        return f"concurrent@{self.concurrency}"

    def slots(self) -> int:
        return self.concurrency
