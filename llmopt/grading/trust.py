"""How far to trust an agreement metric, measured in the demo world, where the truth is known.

A pair is a candidate answer (the demo `small` or `large` model's, or a recorded one) and the
reference answer (the strong model's). Its truth comes from the demo grader and the gold
fields: the two answers are the same when both are well-formed JSON objects with the same
value on every gold field (by the demo grader's rules; two right answers are the same), or
when their texts are identical; otherwise different. The metric grades the candidate against
the reference without the gold fields, as it would on a team's own traffic, and
`llmopt.grading.agreement` compares its verdicts with the truth.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from pydantic import BaseModel, ConfigDict

from llmopt.demo import grader as demo
from llmopt.errors import ConfigError, GradeError
from llmopt.grading.agreement import Agreement, agreement_of
from llmopt.grading.base import Grade, Grader, grades_frame, lined_up
from llmopt.workload import WorkloadItem


def demo_truth(candidate: str, reference: str, gold: dict) -> bool:
    """True where `candidate` and `reference` are the same answer on the gold fields."""
    if candidate.strip() == reference.strip():
        return True
    try:
        said = demo.parse_answer(reference)
    except GradeError:
        return False  # a malformed reference is the same only as its identical text
    return demo.grade(candidate, {key: said.get(key) for key in gold}).correct


class Trust(BaseModel):
    """A metric's grades of the pairs, their truth, and the agreement between them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    agreement: Agreement
    grades: list[Grade]
    truth: list[bool]

    def frame(self, items: Sequence[WorkloadItem]) -> pd.DataFrame:
        """One row per pair (`grades_frame`) with its `truth` (same: True)."""
        return grades_frame(items, self.grades).assign(truth=self.truth)


def measure_trust(grader: Grader, items: Sequence[WorkloadItem], candidates: Sequence[str],
                  references: Sequence[str], metric: str | None = None) -> Trust:
    """Grade each candidate against its reference with `grader` and compare the verdicts with
    the demo truth; `items` must carry their gold fields (`reference`)."""
    lined_up(candidates, items, references)
    ungraded = [item.id for item in items if not item.reference]
    if ungraded:
        raise ConfigError(f"{len(ungraded)} items have no gold fields (first {ungraded[0]!r}): "
                          "the truth needs the demo workload's references")
    truth = [demo_truth(c, r, i.reference or {})
             for c, r, i in zip(candidates, references, items, strict=True)]
    grades = grader.grade_all(candidates, items, references)
    return Trust(agreement=agreement_of(grades, truth, metric), grades=grades,
                 truth=truth)
