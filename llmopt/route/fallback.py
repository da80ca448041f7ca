"""Fallback: ranked model lists per task type, retry and cooldown settings, and the record of
every attempt (with its cost).

Which error classes are retried, fall back or cool a model down: see `llmopt.route.errors`.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Sequence

from pydantic import BaseModel, ConfigDict, Field

from llmopt.errors import ConfigError
from llmopt.route.errors import COOLED, ErrorClass

DEFAULT_TASK = "default"


class FallbackPolicy(BaseModel):
    """Retries with exponential backoff, cooldown, and ranked models per task type."""

    model_config = ConfigDict(extra="forbid")

    retries: int = Field(default=2, ge=0)
    """Extra tries on the same model for rate limits, timeouts and 5xx answers."""
    backoff_s: float = Field(default=0.2, ge=0)
    max_backoff_s: float = Field(default=2.0, ge=0)
    cooldown_s: float = Field(default=30.0, ge=0)
    """How long a model that failed (rate limit, 5xx, refused connection, broken stream) is
    skipped while others are available."""
    chains: dict[str, list[str]] = Field(default_factory=dict)
    """Task type -> tier names, best first; a task type not listed uses every tier, strongest
    first after the routed one."""

    def wait_s(self, retry: int) -> float:
        """Seconds to wait before try `retry` on the same model (0: the first try): exponential
        from `backoff_s`, up to `backoff_s` of jitter, at most `max_backoff_s` (the curve of
        tenacity's wait_exponential_jitter)."""
        if retry == 0:
            return 0.0
        step = self.backoff_s * 2 ** (retry - 1) + random.uniform(0, self.backoff_s)
        return min(step, self.max_backoff_s)

    def order(self, routed: str, tiers: Sequence[str], task: str = DEFAULT_TASK) -> list[str]:
        """Names to try, routed tier first, then the task's ranked list (or the others,
        strongest first)."""
        ranked = self.chains.get(task)
        if ranked is None:
            ranked = list(reversed(tiers))
        unknown = [n for n in [*ranked, routed] if n not in tiers]
        if unknown:
            raise ConfigError(f"unknown tier(s) {unknown} in the fallback chain for task "
                              f"{task!r}; tiers: {list(tiers)}")
        return [routed, *[n for n in ranked if n != routed]]


class Cooldown:
    """Models that failed recently, until when; thread-safe; the clock is injectable."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()

    def note(self, name: str, error: ErrorClass) -> None:
        if error in COOLED and self.seconds > 0:
            with self._lock:
                self._until[name] = self.clock() + self.seconds

    def cooling(self, name: str) -> bool:
        with self._lock:
            return self._until.get(name, float("-inf")) > self.clock()

    def available(self, names: Sequence[str]) -> list[str]:
        """`names` without the cooling ones; all of them when every one is cooling."""
        warm = [n for n in names if not self.cooling(n)]
        return warm or list(names)


class Attempt(BaseModel):
    """One call to one model: what happened, how long it took and what it cost."""

    model_config = ConfigDict(extra="forbid")

    tier: str
    model: str
    ok: bool
    error_class: ErrorClass | None = None
    error: str = ""
    latency_s: float
    prompt_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    cost_estimated: bool = False
    """True where the provider reported no usage (a failed or broken call): the cost is the
    prompt's tokens (exact with the tier's tokenizer, else a bound) plus the tokens streamed
    before the failure."""
    reserved_usd: float | None = None
    """The worst case the hard budget held for this call (None without a budget)."""
    task: str = DEFAULT_TASK
    request: str = ""
    """The caller's `request_id` metadata, where it set one."""
