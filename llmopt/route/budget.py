"""A hard spend budget, race-free under concurrency, with soft alerts at thresholds.

Every call reserves its worst-case cost before it starts (prompt upper bound + max output
tokens at the model's prices) and settles its real cost after; a reservation that would take
spent + reserved past the limit is refused with BudgetExceeded, so no interleaving of concurrent
calls can spend more than the limit. Alerts fire once each, when settled spend first reaches a
threshold share of the limit; `on_alert(threshold, spent_usd, limit_usd)` is any callable
(a logger, a webhook poster).
"""

from __future__ import annotations

import threading
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
    """`limit_usd` hard cap; `alerts` shares of it (e.g. 0.5, 0.8) that call `on_alert` once."""

    def __init__(self, limit_usd: float, alerts: Sequence[float] = (0.5, 0.8),
                 on_alert: Callable[[float, float, float], None] | None = None) -> None:
        if not limit_usd > 0:
            raise ConfigError(f"limit_usd must be > 0, got {limit_usd!r}")
        bad = [a for a in alerts if not 0 < a <= 1]
        if bad:
            raise ConfigError(f"alert thresholds must lie in (0, 1], got {bad}")
        self.limit_usd = float(limit_usd)
        self.alerts = sorted(alerts)
        self.on_alert = on_alert
        self.spent_usd = 0.0
        self.reserved_usd = 0.0
        self.refused = 0
        self.fired: list[float] = []
        self._lock = threading.Lock()

    def reserve(self, worst_usd: float) -> Reservation:
        """Hold `worst_usd` for a call, or raise BudgetExceeded (counted in `refused`)."""
        with self._lock:
            if self.spent_usd + self.reserved_usd + worst_usd > self.limit_usd:
                self.refused += 1
                raise BudgetExceeded(
                    f"budget ${self.limit_usd:.6f}: spent ${self.spent_usd:.6f} + reserved "
                    f"${self.reserved_usd:.6f} + this call's worst case ${worst_usd:.6f} "
                    "would cross it")
            self.reserved_usd += worst_usd
        return Reservation(worst_usd)

    def settle(self, reservation: Reservation, actual_usd: float) -> None:
        """Release the reservation and book the call's real cost."""
        with self._lock:
            if not reservation.open:
                return
            reservation.open = False
            self.reserved_usd -= reservation.usd
            self.spent_usd += actual_usd
            due = [a for a in self.alerts
                   if a not in self.fired and self.spent_usd >= a * self.limit_usd]
            self.fired += due
        for threshold in due:
            if self.on_alert is not None:
                self.on_alert(threshold, self.spent_usd, self.limit_usd)

    @property
    def remaining_usd(self) -> float:
        with self._lock:
            return self.limit_usd - self.spent_usd - self.reserved_usd


def prompt_token_bound(texts: Sequence[str]) -> int:
    """Upper bound of a chat prompt's tokens: UTF-8 bytes (a byte-level BPE token holds at least
    one byte) plus the chat template's markers per message."""
    return sum(len(t.encode()) + TEMPLATE_TOKENS_PER_MESSAGE for t in texts)


def worst_case_usd(price: Price, texts: Sequence[str], max_tokens: int) -> float:
    """The most a call can cost: the prompt's token bound and `max_tokens` of output."""
    return request_cost(price, prompt_token_bound(texts), 0, max_tokens)
