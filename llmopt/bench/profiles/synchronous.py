"""One request at a time: the latency floor and the single-stream rate."""

from __future__ import annotations

from typing import Literal

from llmopt.bench.profiles.base import Stage


class SynchronousProfile(Stage):
    kind: Literal["synchronous"] = "synchronous"

    @property
    def label(self) -> str:
        return "synchronous"

    def slots(self) -> int:
        return 1
