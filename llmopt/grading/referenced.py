"""Workload items with a reference to grade against, where the workload has no gold answers.

The notebooks' grading paths (llmopt.bench's grader, llmopt.route.graded, the demo's
grade_frame) read `item.reference`, the fields the demo grader checks. A team's imported traffic
has none. `with_references` gives each such item a stand-in: the strong model's answer
(notebook 08) or the answer the team's log recorded (notebook 01: the import's answers file
beside the workload), as its JSON object, so those paths grade by exact match on its fields:
the `json_fields` metric (llmopt.grading.choose_metric). Quality is then agreement with that
answer, not accuracy, and `Referenced.reason` says which.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from llmopt.completions import Completion
from llmopt.errors import ConfigError
from llmopt.grading.base import Reference
from llmopt.grading.metric import choose_metric
from llmopt.grading.reference import as_object, recorded_references, strong_references
from llmopt.traffic.answer import answers_path, load_answers
from llmopt.workload import WorkloadItem


class Referenced(BaseModel):
    """The items to grade, where their references come from, and why (for a notebook to
    print and save beside its quality figures)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    items: list[WorkloadItem]
    source: Literal["gold", "strong model", "log", "none"]
    reason: str
    graded: int
    """Items with a reference; the others cannot be graded (counted, never dropped)."""


def with_references(items: Sequence[WorkloadItem], *, strong: Sequence[Completion] | None = None,
                    log: str | Path | None = None) -> Referenced:
    """`items` as they are where each has its gold reference; else each item without one takes
    the strong model's answer (`strong`, in the items' order) or, without `strong`, the answer
    the log recorded (the answers file `llmopt import` wrote beside the workload file `log`).
    With neither (the workload has no answers file, or the log kept no usable answer) the
    items stay ungraded and the reason says so. ConfigError where the answers are not JSON
    objects (free text needs a judge or the profile's grader, docs/grading.md)."""
    items = list(items)
    if all(item.reference is not None for item in items):
        return Referenced(items=items, source="gold", graded=len(items),
                          reason=f"the workload's own reference answers ({len(items)}): exact "
                                 "match on their fields")
    if strong is not None:
        _lined_up(items, strong)
        source, what, references = "strong model", "the strong model's answers", \
            strong_references(strong)
    elif log is not None and answers_path(Path(log)).is_file():
        source, what = "log", f"the answers the log recorded ({answers_path(Path(log)).name})"
        references = recorded_references(items, load_answers(answers_path(Path(log))))
    else:
        return _ungraded(items, "the workload has no reference answers and no answers file "
                                "beside it")
    if all(r is None for r in references):
        return _ungraded(items, f"{what}: none is usable (all failed or missing)")
    return _stand_in(items, references, source, what)


def _stand_in(items: list[WorkloadItem], references: Sequence[Reference], source: str,
              what: str) -> Referenced:
    choice = choose_metric(references)
    if choice.metric != "json_fields":
        raise ConfigError(f"{what}: {choice.reason}; this notebook grades by exact match on "
                          "JSON fields: grade free text with llmopt.grading.Judge or the "
                          "profile's quality_grader (docs/grading.md)")
    graded = [item if item.reference is not None else
              item.model_copy(update={"reference": as_object(reference)})
              for item, reference in zip(items, references, strict=True)]
    return Referenced(items=graded, source=source,
                      graded=sum(item.reference is not None for item in graded),
                      reason=f"agreement with {what}, not accuracy: {choice.reason}")


def _ungraded(items: list[WorkloadItem], why: str) -> Referenced:
    return Referenced(items=items, source="none", graded=0,
                      reason=f"{why}: quality is not measured here")


def _lined_up(items: Sequence[WorkloadItem], answers: Sequence[Completion]) -> None:
    if [a.id for a in answers] != [item.id for item in items]:
        raise ConfigError(f"the strong model's answers ({len(answers)}) must be the items' "
                          f"({len(items)}), in the same order")
