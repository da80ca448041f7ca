"""Exact-match grader of the demo answers: one JSON object with intent, order_id, action, amount."""

from __future__ import annotations

import json
import math
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from llmopt.errors import GradeError

FIELDS = ("intent", "order_id", "action", "amount")


class Answer(BaseModel):
    """The schema of a demo answer (what structured outputs enforce): the manual's intents and
    actions, a six-digit order id and a whole dollar amount, nothing else."""

    model_config = ConfigDict(extra="forbid")

    intent: Literal["damaged", "wrong_item", "changed_mind", "late_delivery", "cancel",
                    "tracking", "address_change"]
    order_id: str = Field(pattern=r"^[0-9]{6}$")
    action: Literal["refund", "replace", "store_credit", "deny", "cancel", "send_tracking",
                    "update_address", "escalate"]
    amount: int = Field(ge=0)


class Grade(BaseModel):
    """Per-field and overall exact match; `error` says why an output could not be parsed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fields: dict[str, bool]
    correct: bool
    error: str | None = None


def parse_answer(text: str) -> dict[str, Any]:
    """The JSON object in a model's output; GradeError names what is wrong with it."""
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end < start:
        raise GradeError(f"no JSON object in output {text[:80]!r}")
    try:
        answer = json.loads(text[start : end + 1])
    except json.JSONDecodeError as error:
        raise GradeError(f"malformed JSON ({error.msg}) in output {text[:80]!r}") from None
    if not isinstance(answer, dict):
        raise GradeError(f"expected a JSON object, got {type(answer).__name__}")
    return answer


def grade(output: str, reference: dict[str, Any]) -> Grade:
    """Score one output; a malformed output is scored wrong on every field, never raised."""
    try:
        answer = parse_answer(output)
    except GradeError as error:
        return Grade(fields=dict.fromkeys(reference, False), correct=False, error=str(error))
    fields = {key: _same(answer.get(key), value) for key, value in reference.items()}
    return Grade(fields=fields, correct=all(fields.values()))


def _same(got: Any, want: Any) -> bool:
    if isinstance(want, int) and not isinstance(want, bool):
        return isinstance(got, int) and not isinstance(got, bool) and got == want
    return got == want


def grade_frame(items: list, outputs: list[str]) -> pd.DataFrame:
    """One row per request: id, tier, overall and per-field correctness, parse error, output."""
    rows = []
    for item, output in zip(items, outputs, strict=True):
        g = grade(output, item.reference or {})
        rows.append({"id": item.id, "tier": item.tier, "correct": g.correct,
                     **{f"{k}_ok": v for k, v in g.fields.items()}, "error": g.error,
                     "output": output})
    return pd.DataFrame(rows)


def accuracy(graded: pd.DataFrame) -> pd.DataFrame:
    """Exact-match accuracy (overall and per field) by tier, plus an 'all' row; n per row."""
    columns = ["correct", *[c for c in graded.columns if c.endswith("_ok")]]
    by_tier = graded.groupby("tier")[columns].mean()
    by_tier.loc["all"] = graded[columns].mean()
    counts = graded.groupby("tier").size().reindex(by_tier.index).fillna(len(graded))
    by_tier["n"] = counts.astype(int)
    return by_tier.rename(columns={"correct": "accuracy"})


Z_95 = 1.96


def difference_interval(hits_a: int, n_a: int, hits_b: int, n_b: int,
                        z: float = Z_95) -> tuple[float, float]:
    """95% interval of accuracy a minus accuracy b, from two independent samples (Agresti-Caffo:
    one hit and one miss added to each sample, so it stays honest at 0% and 100%)."""
    for hits, n in ((hits_a, n_a), (hits_b, n_b)):
        if n < 0 or not 0 <= hits <= n:
            raise GradeError(f"hits must be within [0, n] and n >= 0, got hits={hits}, n={n}")
    p_a, p_b = (hits_a + 1) / (n_a + 2), (hits_b + 1) / (n_b + 2)
    spread = z * math.sqrt(p_a * (1 - p_a) / (n_a + 2) + p_b * (1 - p_b) / (n_b + 2))
    return p_a - p_b - spread, p_a - p_b + spread
