"""A hard spend budget, race-free under concurrency, with soft alerts at thresholds.

Every call reserves its worst-case cost before it starts (its prompt's tokens, counted exactly
with the tier's own tokenizer where the tier names one and bounded by the prompt's bytes where
not, plus the call's `max_tokens` of output, at the model's prices) and settles its real cost
after. A call is refused with BudgetExceeded when its worst case would take settled spend past
the limit; one that fits the limit but not beside the worst cases still held by calls in flight
waits up to `wait_s` for them to settle (0: refused at once). Spend + held worst cases never
pass the limit, so no interleaving of concurrent calls can spend more than it. Alerts fire once
each, when settled spend first reaches a threshold share of the limit;
`on_alert(threshold, spent_usd, limit_usd)` is any callable (a logger, a webhook poster).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from llmopt.errors import ConfigError
from llmopt.pricing.api import Price, request_cost
from llmopt.route.errors import RouteError

TEMPLATE_TOKENS_PER_MESSAGE = 16
"""Upper bound of the tokens a chat template adds per message (role markers, separators)."""


class BudgetExceeded(RouteError):
    """The call would take spend past the hard budget; it was not made."""


@dataclass
class Reservation:
    usd: float
    open: bool = True


class Budget:
    """`limit_usd` hard cap; `alerts` shares of it (e.g. 0.5, 0.8) that call `on_alert` once;
    `wait_s` how long a call may wait for calls in flight to settle before it is refused."""

    def __init__(self, limit_usd: float, alerts: Sequence[float] = (0.5, 0.8),
                 on_alert: Callable[[float, float, float], None] | None = None,
                 wait_s: float = 0.0) -> None:
        if not limit_usd > 0:
            raise ConfigError(f"limit_usd must be > 0, got {limit_usd!r}")
        bad = [a for a in alerts if not 0 < a <= 1]
        if bad:
            raise ConfigError(f"alert thresholds must lie in (0, 1], got {bad}")
        if not wait_s >= 0:
            raise ConfigError(f"wait_s must be >= 0, got {wait_s!r}")
        self.limit_usd = float(limit_usd)
        self.alerts = sorted(alerts)
        self.on_alert = on_alert
        self.wait_s = float(wait_s)
        self.spent_usd = 0.0
        self.reserved_usd = 0.0
        self.refused = 0
        self.waited = 0
        """Times a call waited for others to settle (a call may wait more than once)."""
        self.fired: list[float] = []
        self._settled = threading.Condition()
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []

    def reserve(self, worst_usd: float) -> Reservation:
        """Hold `worst_usd` for a call, or raise BudgetExceeded (counted in `refused`); may
        block up to `wait_s` for calls in flight to settle."""
        deadline = time.monotonic() + self.wait_s
        with self._settled:
            while True:
                held = self._hold(worst_usd, deadline)
                if held is not None:
                    return held
                self._settled.wait(deadline - time.monotonic())

    async def areserve(self, worst_usd: float) -> Reservation:
        """`reserve` for the event loop: waits without blocking it (or any thread)."""
        deadline = time.monotonic() + self.wait_s
        loop = asyncio.get_running_loop()
        while True:
            with self._settled:
                held = self._hold(worst_usd, deadline)
                if held is not None:
                    return held
                woken = asyncio.Event()
                self._waiters.append((loop, woken))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(woken.wait(), max(0.0, deadline - time.monotonic()))

    def _hold(self, worst_usd: float, deadline: float) -> Reservation | None:
        """Under the lock: the reservation, None to wait for a settle, or BudgetExceeded."""
        if self.spent_usd + self.reserved_usd + worst_usd <= self.limit_usd:
            self.reserved_usd += worst_usd
            return Reservation(worst_usd)
        if self.spent_usd + worst_usd > self.limit_usd or time.monotonic() >= deadline:
            self.refused += 1
            raise BudgetExceeded(
                f"budget ${self.limit_usd:.6f}: spent ${self.spent_usd:.6f} + reserved "
                f"${self.reserved_usd:.6f} + this call's worst case ${worst_usd:.6f} "
                "would cross it")
        self.waited += 1
        return None

    def settle(self, reservation: Reservation, actual_usd: float) -> None:
        """Release the reservation and book the call's real cost."""
        with self._settled:
            if not reservation.open:
                return
            reservation.open = False
            self.reserved_usd -= reservation.usd
            self.spent_usd += actual_usd
            due = [a for a in self.alerts
                   if a not in self.fired and self.spent_usd >= a * self.limit_usd]
            self.fired += due
            self._settled.notify_all()
            waiters, self._waiters = self._waiters, []
        for loop, woken in waiters:
            with contextlib.suppress(RuntimeError):  # that loop has closed
                loop.call_soon_threadsafe(woken.set)
        for threshold in due:
            if self.on_alert is not None:
                self.on_alert(threshold, self.spent_usd, self.limit_usd)

    @property
    def remaining_usd(self) -> float:
        with self._settled:
            return self.limit_usd - self.spent_usd - self.reserved_usd


def prompt_token_bound(texts: Sequence[str]) -> int:
    """Upper bound of a chat prompt's tokens when no tokenizer is known: UTF-8 bytes (a
    byte-level BPE token holds at least one byte) plus the chat template's markers per message.
    Loose (the demo prompt: 2,145 against 521 real tokens); name the tier's tokenizer to count."""
    return sum(len(t.encode()) + TEMPLATE_TOKENS_PER_MESSAGE for t in texts)


def worst_case_usd(price: Price, prompt_tokens: int, max_tokens: int) -> float:
    """The most a call can cost: `prompt_tokens` in (exact or a bound) and `max_tokens` out."""
    return request_cost(price, prompt_tokens, 0, max_tokens)
