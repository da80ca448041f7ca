"""One attempt of a router in flight: its budget reservation, its clock and its record."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage

from llmopt.route.budget import Budget, Reservation, worst_case_usd
from llmopt.route.errors import ErrorClass, classify, described
from llmopt.route.fallback import Attempt
from llmopt.route.tier import Tier


class Call:
    """One attempt in flight: its budget reservation, clock and record. `reserve` (or
    `areserve`) before the call starts; the worst case is the prompt's tokens (exact with the
    tier's tokenizer) and the call's own max_tokens."""

    def __init__(self, tier: Tier, about: dict[str, str], messages: Sequence[BaseMessage],
                 kwargs: dict[str, Any], budget: Budget | None,
                 record: Callable[[Attempt], None]) -> None:
        self.tier, self.about, self.messages = tier, about, messages
        self.budget, self.record = budget, record
        self.reservation: Reservation | None = None
        self.prompt_tokens: int | None = None
        self.worst_usd: float | None = None
        if budget is not None:
            self.prompt_tokens = tier.prompt_tokens(messages)
            self.worst_usd = worst_case_usd(tier.price(), self.prompt_tokens,
                                            tier.output_cap(kwargs))
        self.start = time.perf_counter()

    def reserve(self) -> Call:
        if self.budget is not None and self.worst_usd is not None:
            self.reservation = self.budget.reserve(self.worst_usd)
        self.start = time.perf_counter()
        return self

    async def areserve(self) -> Call:
        """`reserve` without blocking the event loop while the budget waits."""
        if self.budget is not None and self.worst_usd is not None:
            self.reservation = await self.budget.areserve(self.worst_usd)
        self.start = time.perf_counter()
        return self

    def done(self, message: AIMessage) -> AIMessage:
        usage = message.usage_metadata or {}
        prompt, output = usage.get("input_tokens", 0), usage.get("output_tokens", 0)
        self._end(Attempt(tier=self.tier.name, model=self.tier.priced_as, ok=True,
                          latency_s=self._elapsed(), prompt_tokens=prompt, output_tokens=output,
                          cost_usd=self.tier.cost(prompt, output), cost_estimated=not usage,
                          reserved_usd=self.worst_usd, **self.about))
        return message

    def fail(self, exc: BaseException, streamed: int = 0) -> None:
        error = classify(exc) if isinstance(exc, Exception) else ErrorClass.other
        prompt = 0
        if streamed:  # the prompt was read: counted as the budget counts it (exact with the
            # tier's tokenizer, else a byte bound), once per call
            prompt = self.prompt_tokens if self.prompt_tokens is not None else \
                self.tier.prompt_tokens(self.messages)
        self._end(Attempt(tier=self.tier.name, model=self.tier.priced_as, ok=False,
                          error_class=error, error=described(exc), latency_s=self._elapsed(),
                          prompt_tokens=prompt, output_tokens=streamed,
                          cost_usd=self.tier.cost(prompt, streamed), cost_estimated=True,
                          reserved_usd=self.worst_usd, **self.about))

    def _elapsed(self) -> float:
        return time.perf_counter() - self.start

    def _end(self, attempt: Attempt) -> None:
        self.record(attempt)
        if self.reservation is not None and self.budget is not None:
            self.budget.settle(self.reservation, attempt.cost_usd)
