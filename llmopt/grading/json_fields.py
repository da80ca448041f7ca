"""`JsonFields`: agreement as exact match on the reference's JSON fields.

Where the reference answer is a JSON object, a candidate agrees when it has the same value on
every field of the reference, by the demo grader's rules (llmopt.demo.grader): the candidate's
JSON object may sit in surrounding text, an integer must be an integer (not "12", not 12.0 or
true), everything else compares equal; fields the reference lacks are ignored. A malformed
candidate disagrees, with the reason.
"""

from __future__ import annotations

from typing import Any, ClassVar

from llmopt.demo import grader as demo
from llmopt.grading.base import Grade, Grader, Reference
from llmopt.grading.reference import as_object
from llmopt.workload import WorkloadItem


class JsonFields(Grader):
    """Exact match on the fields of a JSON-object reference."""

    name: ClassVar[str] = "json_fields"

    def grade(self, output: str, item: WorkloadItem, reference: Reference) -> Grade:
        wanted = as_object(reference)
        if wanted is None:
            why = "no reference answer" if reference is None else \
                f"the reference is not a JSON object with fields: {str(reference)[:80]!r}"
            return Grade.undecided(self.name, why)
        graded = demo.grade(output, wanted)
        reason = graded.error or _reason(output, wanted, graded.fields)
        return Grade(metric=self.name, fields=graded.fields, correct=graded.correct,
                     error=graded.error, reason=reason)


def _reason(output: str, wanted: dict[str, Any], fields: dict[str, bool]) -> str:
    wrong = [key for key, ok in fields.items() if not ok]
    if not wrong:
        return f"same value on all {len(fields)} fields"
    got = demo.parse_answer(output)  # parsed before, by demo.grade
    shown = ", ".join(f"{key} (got {got.get(key, '<missing>')!r}, reference {wanted[key]!r})"
                      for key in wrong)
    return f"differs on {shown}"
