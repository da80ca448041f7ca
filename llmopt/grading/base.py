"""`Grader`: scores one output for one request against a reference answer, and the `Grade` it
gives.

Every grader takes `(output, item, reference)`: the model's output text, the workload item it
answered and the reference answer (the workload's gold fields, the strong model's answer, a
logged answer: text, a JSON object as a dict, or None where there is none). A `Grade` is the
demo grader's (`correct`, per-field `fields`, `error`) and says which metric gave it, whether
the grader could decide at all (a judge whose call failed or whose verdict did not parse could
not: that is an error, never a pass) and what grading cost (a judge's own token bill).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from llmopt.demo import grader as demo
from llmopt.errors import ConfigError
from llmopt.workload import WorkloadItem

Reference = str | dict[str, Any] | None
"""A reference answer: text (a model's or a log's answer), a JSON object, or None (none)."""

Label = Literal["same", "different", "error"]


class Bill(BaseModel):
    """What one grading call cost: its tokens and their price (the grading model's own)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    prompt_tokens: int = Field(ge=0)
    completion_tokens: int = Field(ge=0)
    cost_usd: float = Field(ge=0)
    estimated: bool = False
    """True where the server reported no usage: the prompt counted as the tier counts it and
    the output at its max_tokens cap (an upper bound, never a silent $0)."""


class Grade(demo.Grade):
    """A demo `Grade` (so code reading `correct`, `fields`, `error` reads this one too) with
    the metric that gave it, whether it was decided, the grader's reason and its bill."""

    metric: str = "custom"
    decided: bool = True
    """False where the grader could not decide (no reference, a judge call that failed, a
    verdict that did not parse): `correct` is False and the grade counts as an error."""
    reason: str | None = None
    bill: Bill | None = None
    """The grading call's cost; None where grading called no model or the call failed."""
    unpriced: bool = False
    """A grading call was made but failed before it was billed: its cost is unknown (NaN in
    frames, counted in reports), not zero."""

    @property
    def label(self) -> Label:
        """`same` (correct: agrees with the reference), `different`, or `error` (undecided)."""
        if not self.decided:
            return "error"
        return "same" if self.correct else "different"

    @classmethod
    def undecided(cls, metric: str, error: str, bill: Bill | None = None,
                  unpriced: bool = False) -> Grade:
        return cls(metric=metric, fields={}, correct=False, decided=False, error=error,
                   reason=error, bill=bill, unpriced=unpriced)

    @property
    def cost_usd(self) -> float:
        """The grading call's cost: 0 where no model was called, NaN where unknown."""
        if self.bill is not None:
            return self.bill.cost_usd
        return float("nan") if self.unpriced else 0.0


class Grader(BaseModel, ABC):
    """A grader: `grade` one output; `grade_all` many (in order; a judge sends them at once)."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    name: ClassVar[str] = "grader"

    @abstractmethod
    def grade(self, output: str, item: WorkloadItem, reference: Reference) -> Grade:
        """Score `output`, the answer to `item`, against `reference`; never raises for a bad
        output (a malformed one is a disagreement, an undecidable one an error)."""

    def grade_all(self, outputs: Sequence[str], items: Sequence[WorkloadItem],
                  references: Sequence[Reference]) -> list[Grade]:
        lined_up(outputs, items, references)
        return [self.grade(o, i, r) for o, i, r in zip(outputs, items, references, strict=True)]


def lined_up(outputs: Sequence[Any], items: Sequence[WorkloadItem],
             references: Sequence[Any]) -> None:
    """ConfigError unless outputs, items and references pair up one to one."""
    if not len(outputs) == len(items) == len(references):
        raise ConfigError(f"outputs ({len(outputs)}), items ({len(items)}) and references "
                          f"({len(references)}) must line up one to one")


def grades_frame(items: Sequence[WorkloadItem], grades: Sequence[Grade]) -> pd.DataFrame:
    """One row per request: id, tier, metric, correct, label, error, reason, cost_usd (NaN
    where the grading call failed before it was billed)."""
    if len(items) != len(grades):
        raise ConfigError(f"items ({len(items)}) and grades ({len(grades)}) must line up")
    return pd.DataFrame([
        {"id": item.id, "tier": item.tier, "metric": g.metric, "correct": g.correct,
         "label": g.label, "error": g.error, "reason": g.reason,
         "cost_usd": g.cost_usd} for item, g in zip(items, grades, strict=True)])
