"""Cascade: answer with the cheap tier first and escalate when a check on its answer fails.

Checks look at the cheap tier's AIMessage only: `SchemaCheck` (the text parses as JSON with the
required fields, or validates against a pydantic model) and `LogprobCheck` (mean token
log-probability at or above a threshold; vLLM returns logprobs when asked, e.g.
`ChatOpenAI(..., logprobs=True)`). With an `EarlyStop` (scorers/early_stop.py) the cheap answer
is streamed and aborted as soon as its log-probabilities fall, before it is paid in full.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Sequence

from langchain_core.messages import AIMessage, BaseMessage
from pydantic import BaseModel, ValidationError

from llmopt.errors import ConfigError
from llmopt.route.scorers.early_stop import EarlyStop, sparing


class Check(ABC):
    """One test of a cheap answer; `reason` says why it failed."""

    kind: str = "base"

    @abstractmethod
    def reason(self, message: AIMessage) -> str | None:
        """None when the answer passes, else a short reason to escalate."""


class SchemaCheck(Check):
    """The answer is a JSON object holding `fields`, or validates against `model`."""

    kind = "schema"

    def __init__(self, fields: Sequence[str] = (), model: type[BaseModel] | None = None) -> None:
        if not fields and model is None:
            raise ConfigError("SchemaCheck needs required fields or a pydantic model")
        self.fields = list(fields)
        self.model = model

    def reason(self, message: AIMessage) -> str | None:
        try:
            data = json.loads(message.text)
        except json.JSONDecodeError:
            return "not JSON"
        if not isinstance(data, dict):
            return "not a JSON object"
        missing = [f for f in self.fields if f not in data]
        if missing:
            return f"missing fields: {', '.join(missing)}"
        if self.model is not None:
            try:
                self.model.model_validate(data)
            except ValidationError as exc:
                return f"schema: {exc.error_count()} errors"
        return None


class LogprobCheck(Check):
    """Mean token log-probability of the answer is at least `min_mean_logprob`."""

    kind = "logprob"

    def __init__(self, min_mean_logprob: float) -> None:
        if not min_mean_logprob <= 0:
            raise ConfigError(f"min_mean_logprob must be <= 0, got {min_mean_logprob!r}")
        self.min_mean_logprob = min_mean_logprob

    @classmethod
    def for_share(cls, mean_logprobs: Sequence[float], share: float) -> LogprobCheck:
        """The check that escalates `share` of a calibration sample's cheap answers (those with
        the lowest mean log-probabilities; ties at the cut stay with the cheap tier)."""
        if not 0 <= share <= 1:
            raise ConfigError(f"share must lie in [0, 1], got {share!r}")
        values = sorted(float(v) for v in mean_logprobs)
        if not values:
            raise ConfigError("LogprobCheck.for_share needs at least one mean log-probability")
        count = round(share * len(values))
        return cls(values[count] if count < len(values) else 0.0)

    @classmethod
    def calibrate(cls, mean_logprobs: Sequence[float], correct: Sequence[bool],
                  false_escalation: float = 0.05) -> LogprobCheck:
        """The check that escalates at most `false_escalation` of a graded sample's right cheap
        answers (those with the lowest mean log-probabilities): the post-hoc twin of
        `EarlyStop.calibrate`, for comparing the two at the same false-escalation rate."""
        if len(mean_logprobs) != len(correct):
            raise ConfigError(f"{len(mean_logprobs)} answers but {len(correct)} grades")
        right = [m for m, ok in zip(mean_logprobs, correct, strict=True) if ok]
        return cls(min(0.0, sparing(right, false_escalation)))

    def false_escalation_rate(self, mean_logprobs: Sequence[float],
                              correct: Sequence[bool]) -> float:
        """Share of the right answers among these this check escalates."""
        right = [m for m, ok in zip(mean_logprobs, correct, strict=True) if ok]
        return sum(m < self.min_mean_logprob for m in right) / len(right) if right else 0.0

    def reason(self, message: AIMessage) -> str | None:
        mean = mean_logprob(message)
        if mean is None:
            return "no logprobs in the answer (ask the tier for logprobs=True)"
        if mean < self.min_mean_logprob:
            return f"mean logprob {mean:.3f} < {self.min_mean_logprob}"
        return None


def token_logprobs(message: BaseMessage) -> list[float]:
    """The log-probabilities of the tokens in a message or stream chunk (OpenAI/vLLM
    `logprobs.content`, in its response metadata); empty where it has none."""
    logprobs = message.response_metadata.get("logprobs") or {}
    content = logprobs.get("content") if isinstance(logprobs, dict) else None
    return [t["logprob"] for t in content or [] if t.get("logprob") is not None]


def mean_logprob(message: AIMessage) -> float | None:
    """Mean of the answer's token log-probabilities, or None where it has none."""
    values = token_logprobs(message)
    return sum(values) / len(values) if values else None


class Cascade:
    """The checks a cheap answer must pass (`escalation_reason` is the first that failed) and,
    optionally, the early stop that watches it stream."""

    def __init__(self, checks: Sequence[Check] = (), early_stop: EarlyStop | None = None) -> None:
        if not checks and early_stop is None:
            raise ConfigError("Cascade needs a check (SchemaCheck, LogprobCheck) or an EarlyStop")
        self.checks = list(checks)
        self.early_stop = early_stop

    def escalation_reason(self, message: AIMessage) -> str | None:
        for check in self.checks:
            why = check.reason(message)
            if why is not None:
                return f"{check.kind}: {why}"
        return None
