"""`RequestRecord`: one row per request sent, failed ones included.

How a failure is priced: a request is priced once, at its final attempt, as
`request_cost(price, prompt_tokens, cached_tokens, output_tokens)`. A failed request has no
server usage, so its prompt is counted with the client tokenizer and billed in full at the
input price (what a provider may charge once it accepted the prompt; an upper bound for
requests it refused), plus the output tokens of any partial answer it streamed. Retried
attempts before the last one are not priced.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from llmopt.serve.metrics import MetricsDelta

STATUS_PATTERN = r"^(ok|timeout|error|http_\d{3})$"


class Outcome(BaseModel):
    """What one request produced over all its attempts: timings, tokens, status and text."""

    model_config = ConfigDict(extra="forbid")

    start_s: float
    """Wall-clock (Unix) time of the first attempt's send."""
    ttft_s: float | None = None
    tpot_s: float | None = None
    itl_mean_s: float | None = None
    latency_s: float
    prompt_tokens: int
    cached_tokens: int | None = None
    """Prompt tokens the server served from its cache; None where it does not say."""
    output_tokens: int
    client_prompt_tokens: int | None = None
    """The prompt counted by the client's own tokenizer, when one was given (cross-check)."""
    usage_source: Literal["server", "client"]
    status: str = Field(pattern=STATUS_PATTERN)
    """"ok", "http_<code>", "timeout" or "error"."""
    error: str | None = None
    attempts: int = Field(ge=1)
    rate_limited: int = Field(default=0, ge=0)
    """Attempts the server answered 429 (rate limited), each retried after its Retry-After
    (up to the endpoint's `retry.max_s`) while attempts were left."""
    text: str = ""
    finish_reason: str | None = None
    """Why the server ended the answer: "stop" (end of text or a stop sequence), "length" (the
    max_tokens cap cut it), ...; None where it did not say or the request failed."""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class RequestRecord(Outcome):
    """One request of one stage: schedule, timings, tokens, outcome, grade and price.

    Times ending in `_s` are seconds; `scheduled_s`, `start_s` and `end_s` are Unix times.
    """

    id: str
    tier: str
    stage: str
    """Stage label, e.g. `synchronous`, `concurrent@8`, `poisson@2.5/s`."""
    concurrency: int | None
    """Most requests in flight in the stage; None for an open loop without a cap."""
    target_rate: float | None
    """Requests per second the stage's schedule aimed at; None for closed loops."""
    warmup: bool = False
    """Among the stage's first `warmup` requests: recorded, left out of statistics."""
    wasted: bool = False
    """Still in flight when the early-stop goal was met: its answer was not needed."""
    session: str
    """Id of the `run()` call that sent it (a resumed run is a new session)."""
    model: str
    scheduled_s: float | None
    """When an open-loop schedule meant to send it; None in closed loops."""
    end_s: float
    correct: bool | None = None
    """Grader's verdict; False for a failed request, None where the item has no reference."""
    fields_ok: dict[str, bool] | None = None
    cost_usd: float | None = None
    """None when the run had no price."""


class StageRun(BaseModel):
    """One stage of one session: its plan, its wall-clock span and what /metrics counted."""

    model_config = ConfigDict(extra="forbid")

    stage: str
    profile: dict[str, Any]
    """The stage's single-stage profile as config data (`kind`, rate or concurrency, bounds)."""
    session: str
    started_s: float
    ended_s: float
    sent: int
    """Requests sent in this session (retries not counted)."""
    wasted: int = 0
    finished: bool = True
    """False when the stage was cut short (unreachable endpoint); a resume runs it again."""
    metrics: MetricsDelta | None = None
    """The server's /metrics difference over the stage, when a server or URL was given."""
    note: str | None = None
