"""Teacher labels: the served teacher answers unlabelled requests, and only the answers that fit
the answer's schema are kept. Every other one is counted with its reason (the request failed,
no JSON, a field the schema refuses) and dropped, never kept half-right.

    labels = teacher_labels(Endpoint.of(server, max_tokens=64), unlabelled, Answer,
                            results_path="results/11/labels.jsonl")
    labels.kept, labels.dropped   # the training set, and why the rest is not in it

The requests go through `llmopt.bench.run` (retries, failures recorded, resumable from
`results_path`), so an interrupted labelling run picks up where it stopped.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import httpx
import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError

from llmopt.bench import Endpoint, run
from llmopt.demo.grader import parse_answer
from llmopt.errors import ConfigError, GradeError, ServerError
from llmopt.redaction import redact_url
from llmopt.workload import WorkloadItem


class Label(BaseModel):
    """One request and the teacher's schema-valid answer, as `json.dumps` writes it: the demo
    models' own answer format (`prompt.answer_text`). A student fine-tuned on another spacing
    of the same JSON must first learn new tokens for it, and at a few hundred steps it loses the
    order-id copying it had (measured: 5% right instead of 65%, with compact JSON)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    system: str
    user: str
    answer: str


class Labels(BaseModel):
    """What the teacher labelled: the kept labels, and the dropped answers counted by reason."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    teacher: str
    asked: int
    kept: list[Label]
    dropped: dict[str, int]

    @property
    def digest(self) -> str:
        """Names the training data in a student's manifest (the same labels, the same digest)."""
        text = "\n".join(label.model_dump_json() for label in self.kept)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def teacher_labels(endpoint: Endpoint, items: list[WorkloadItem], schema: type[BaseModel],
                   results_path: str | Path | None = None, concurrency: int = 8) -> Labels:
    """The teacher behind `endpoint` answers `items` (their references, if any, are not sent
    nor used); the answers that parse and validate against `schema` are kept."""
    if not items:
        raise ConfigError("no requests to label: give the teacher at least one")
    _check_served(endpoint)
    unlabelled = [item.model_copy(update={"reference": None}) for item in items]
    frame = run(endpoint, unlabelled, {"kind": "concurrent", "concurrency": concurrency,
                                       "max_requests": len(items)},
                results_path=results_path, progress=False).frame()
    return sort_answers(endpoint.model, unlabelled, frame, schema)


def sort_answers(teacher: str, items: list[WorkloadItem], frame: pd.DataFrame,
                 schema: type[BaseModel]) -> Labels:
    """Keep each item's answer in `frame` (a bench run's records: id, status, text) that
    validates against `schema`; count the rest by reason."""
    answered = {row.id: row for row in frame.itertuples()}
    kept, dropped = [], Counter()
    for item in items:
        answer, reason = _validated(answered.get(item.id), schema)
        if reason:
            dropped[reason] += 1
            continue
        kept.append(Label(id=item.id, system=item.system, user=item.user,
                          answer=json.dumps(answer.model_dump(mode="json"))))
    return Labels(teacher=teacher, asked=len(items), kept=kept, dropped=dict(dropped))


def require_labels(labels: Labels) -> Labels:
    """`labels` when they hold at least one; ConfigError with the reasons otherwise."""
    if not labels.kept:
        raise ConfigError(f"the teacher {labels.teacher!r} gave no schema-valid answer to "
                          f"{labels.asked} requests ({labels.dropped}): there is nothing to "
                          "train on; check the teacher's prompt format and max_tokens")
    return labels


def _validated(row, schema: type[BaseModel]) -> tuple[BaseModel | None, str | None]:
    """The answer validated against `schema`, or why it is not kept."""
    if row is None:
        return None, "not answered"
    if row.status != "ok":
        return None, f"request failed ({row.status})"
    try:
        return schema.model_validate(parse_answer(row.text)), None
    except GradeError:
        return None, "no JSON object"
    except ValidationError as error:
        fields = sorted({".".join(map(str, e["loc"])) or "answer" for e in error.errors()})
        return None, f"schema: {', '.join(fields)}"


def _check_served(endpoint: Endpoint) -> None:
    """ServerError naming the endpoint when nothing answers there (the teacher is not served)."""
    try:
        httpx.get(f"{endpoint.base_url}/models", headers=endpoint.headers(),
                  timeout=10).raise_for_status()
    except httpx.HTTPError as error:
        raise ServerError(f"the teacher {endpoint.model!r} is not served at "
                          f"{redact_url(endpoint.base_url)} ({type(error).__name__}): start its "
                          "server first (pilot.server('target'))") from None
