"""Accuracy of benchmark requests: the quality column that stands next to every cost.

The rule, the same as the benchmark summary's (llmopt.bench.summary): accuracy is the share of
`correct` among the measured (non-warm-up) requests that have a grade. The benchmark records a
failed request as correct=False, so failures count as wrong answers; a request whose item has
no reference (correct=None) is left out.
"""

from __future__ import annotations

import pandas as pd

from llmopt.report.records import flag, measured, require_columns

OVERALL = "overall"


def outcomes(frame: pd.DataFrame) -> pd.Series:
    """Per row: 1.0 correct, 0.0 wrong, NaN not graded."""
    require_columns(frame, ["correct"], "outcomes")
    return frame["correct"].map(lambda v: None if _ungraded(v) else float(flag(v))).astype(float)


def accuracy(frame: pd.DataFrame) -> float | None:
    """Share of the graded, non-warm-up requests that are correct; None when none is graded."""
    scores = outcomes(measured(frame)).dropna()
    return float(scores.mean()) if len(scores) else None


def accuracy_by_tier(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns tier, n (graded requests), correct, accuracy: a row per tier, then "overall"."""
    require_columns(frame, ["tier", "correct"], "accuracy_by_tier")
    rows = measured(frame)
    scores = pd.DataFrame({"tier": rows["tier"].astype(str), "score": outcomes(rows)}).dropna()
    table = scores.groupby("tier", sort=True)["score"].agg(n="count", correct="sum")
    table.loc[OVERALL] = [len(scores), scores["score"].sum()]
    table = table.reset_index().astype({"n": int, "correct": int})
    table["accuracy"] = table["correct"] / table["n"].where(table["n"] > 0)
    return table


def _ungraded(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)
