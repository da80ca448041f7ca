"""Which grader a pilot uses: the profile's own (`quality_grader: module:function`), or,
without one, agreement with the reference answers by the metric that fits them.

`choose_metric`: `json_fields` where every reference answer is a JSON object, else `judge`
(free text needs a model to compare it). References that are None (a failed strong answer, a
log that kept none) are left out of the choice: no metric can grade against them, and each
counts as an error under either.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict

from llmopt.errors import ConfigError
from llmopt.grading.base import Grader, Reference
from llmopt.grading.custom import load_grader
from llmopt.grading.json_fields import JsonFields
from llmopt.grading.judge import Judge
from llmopt.grading.reference import as_object
from llmopt.route.tier import Tier

Metric = Literal["json_fields", "judge"]


class MetricChoice(BaseModel):
    """The metric chosen and why, in one sentence (for a notebook to print)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    metric: Metric
    reason: str
    references: int
    """References present (not None)."""
    missing: int
    """References that are None: errors under either metric."""


def choose_metric(references: Sequence[Reference]) -> MetricChoice:
    """`json_fields` where every present reference is a JSON object with fields, else `judge`;
    ConfigError where there is no reference at all."""
    present = [r for r in references if r is not None]
    missing = len(references) - len(present)
    if not present:
        raise ConfigError(f"none of the {len(references)} requests has a reference answer; "
                          "grade against the strong model's answers or a log's answers")
    gone = f"; {missing} without a reference count as errors" if missing else ""
    not_objects = [r for r in present if as_object(r) is None]
    if not not_objects:
        return MetricChoice(metric="json_fields", references=len(present), missing=missing,
                            reason=f"all {len(present)} reference answers are JSON objects: "
                                   f"exact match on their fields{gone}")
    first = str(not_objects[0])[:60]
    return MetricChoice(metric="judge", references=len(present), missing=missing,
                        reason=f"{len(not_objects)} of {len(present)} reference answers are "
                               f"not JSON objects (first: {first!r}): a judge model compares "
                               f"them{gone}")


def grader_for(spec: str | None, references: Sequence[Reference],
               judge: Tier | None = None) -> tuple[Grader, str]:
    """The grader to use and a sentence saying why: the one `spec` names (a profile's
    `grader`), else the metric `choose_metric` picks; ConfigError where that is the judge and
    no `judge` tier is given."""
    if spec is not None:
        return load_grader(spec), f"the profile's grader {spec!r}"
    choice = choose_metric(references)
    if choice.metric == "json_fields":
        return JsonFields(), choice.reason
    if judge is None:
        raise ConfigError(f"{choice.reason}; give a judge tier (llmopt.route.Tier) or a "
                          "grader (module:function) in the profile")
    return Judge(tier=judge), choice.reason
