"""`LoadProfile`: how requests are spread over time, as one or more stages.

A stage is a single-stage profile (synchronous, concurrent, constant, poisson): it says how
many requests may be in flight (`concurrency`) and, for open loops, when each one is sent
(`arrivals`). A multi-stage profile (sweep) picks each next stage from the request rates the
earlier ones achieved.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class LoadProfile(BaseModel):
    """Bounds shared by every profile; each stage of it has these bounds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str
    max_requests: int | None = Field(default=None, ge=1)
    """Requests per stage at most (the workload's length bounds it too)."""
    max_seconds: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    """No request of a stage is sent after this many seconds; in-flight ones are awaited."""
    warmup: int = Field(default=0, ge=0)
    """The first `warmup` requests of each stage are recorded but left out of statistics."""

    @model_validator(mode="after")
    def _bounded(self) -> LoadProfile:
        if self.max_requests is None and self.max_seconds is None:
            raise ValueError(f"{self.kind} profile needs a bound: set max_requests and/or "
                             "max_seconds (both are None)")
        if self.max_requests is not None and self.warmup >= self.max_requests:
            raise ValueError(f"warmup ({self.warmup}) must be below max_requests "
                             f"({self.max_requests}): no request would be measured")
        return self

    def next_stage(self, rates: list[float | None]) -> Stage | None:
        """The next stage to run, given the ok-request rates (req/s) of the stages run so far."""
        raise NotImplementedError

    def bounds(self) -> dict[str, int | float | None]:
        return {"max_requests": self.max_requests, "max_seconds": self.max_seconds,
                "warmup": self.warmup}


class Stage(LoadProfile):
    """A single-stage profile: it is its own one stage."""

    @property
    def label(self) -> str:
        """The stage's name in records and summaries."""
        raise NotImplementedError

    def slots(self) -> int | None:
        """Most requests in flight; None: no cap (an open loop)."""
        raise NotImplementedError

    @property
    def target_rate(self) -> float | None:
        """Requests per second the schedule aims at; None for closed loops."""
        return None

    def arrivals(self, n: int) -> list[float] | None:
        """Send times of `n` requests in seconds from the stage's start; None: closed loop
        (each request goes as soon as one of `concurrency` slots is free)."""
        return None

    def next_stage(self, rates: list[float | None]) -> Stage | None:
        return None if rates else self


class OpenLoopStage(Stage):
    """Requests sent on a schedule at `rate` per second, whether or not earlier ones finished;
    subclasses say when (`arrivals`)."""

    rate: float = Field(gt=0, allow_inf_nan=False)
    """Requests per second (the mean, for random arrivals)."""
    max_concurrency: int | None = Field(default=None, ge=1)
    """Cap on requests in flight (a late request then waits); None: no cap."""

    @property
    def label(self) -> str:
        return f"{self.kind}@{self.rate:.4g}/s"

    def slots(self) -> int | None:
        return self.max_concurrency

    @property
    def target_rate(self) -> float:
        return self.rate
