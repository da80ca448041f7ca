"""Reference answers without gold labels: the strong model's answers, or the answers a team's
log recorded (`llmopt import`), one per workload item, None where there is none."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from llmopt.completions import Completion
from llmopt.errors import ConfigError
from llmopt.grading.base import Reference
from llmopt.traffic.answer import RecordedAnswer
from llmopt.workload import WorkloadItem


def as_object(reference: Reference) -> dict[str, Any] | None:
    """The reference as a JSON object with at least one field, or None where it is not one
    (free text, a list, an empty object, no reference). Text must be the object alone
    (surrounding whitespace aside): a reference is not searched for JSON inside prose."""
    if isinstance(reference, dict):
        return reference or None
    if not isinstance(reference, str):
        return None
    try:
        data = json.loads(reference)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) and data else None


def reference_text(reference: Reference) -> str:
    """The reference as text: an object as compact JSON, text as it is."""
    if isinstance(reference, dict):
        return json.dumps(reference, ensure_ascii=False)
    return reference or ""


def strong_references(answers: Sequence[Completion]) -> list[str | None]:
    """The strong model's answers as references; None where its request failed."""
    return [a.text if a.error is None else None for a in answers]


def recorded_references(items: Sequence[WorkloadItem],
                        answers: Sequence[RecordedAnswer]) -> list[str | None]:
    """The logged answer of each item, by id; None where the log has no usable answer (status
    error or missing, no text kept, or no recorded answer for the item). ConfigError where no
    item has a recorded answer at all (answers from another import)."""
    by_id = {a.id: a for a in answers}
    found = [by_id.get(item.id) for item in items]
    if items and not any(found):
        raise ConfigError(f"none of the {len(items)} items has a recorded answer (first item "
                          f"{items[0].id!r}); give the answers file of the same import")
    return [a.answer if a is not None and a.status == "ok" else None for a in found]
