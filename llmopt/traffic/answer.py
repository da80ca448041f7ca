"""`RecordedAnswer`: what a logged request got back and was billed for, one JSONL row per
workload item in `<workload>.answers.jsonl`, so that traffic can be priced as it was billed
and its logged answer used as a reference."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from llmopt.config import decoded
from llmopt.errors import ConfigError

Status = Literal["ok", "error", "missing"]


class RecordedAnswer(BaseModel):
    """One logged answer. `status`: ok; error (the request failed: `error` says how);
    missing (the log holds no outcome: a Batch input line without an output line)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    """The workload item's id."""
    model: str | None = None
    """The model that answered as logged (a Batch output names the dated snapshot)."""
    answer: str | None = None
    """The logged answer text; None where the log did not keep it."""
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cached_prompt_tokens: int | None = None
    """Prompt tokens served from the provider's prompt cache, where the log has them."""
    status: Status = "ok"
    error: str | None = None
    timestamp: str | None = None
    """ISO 8601, UTC."""


def answers_path(workload: str | Path) -> Path:
    """Where a workload's recorded answers go: `traffic.jsonl` -> `traffic.answers.jsonl`."""
    workload = Path(workload)
    stem = workload.name.removesuffix(".jsonl")
    return workload.with_name(f"{stem}.answers.jsonl")


def iter_answers(path: str | Path) -> Iterator[RecordedAnswer]:
    """The recorded answers of an import, one at a time; a bad line is a ConfigError naming
    the file and line."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"answers file {path} does not exist")
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            try:
                yield RecordedAnswer.model_validate(json.loads(decoded(raw, str(path), number)))
            except (json.JSONDecodeError, ValidationError) as error:
                raise ConfigError(f"{path}:{number}: not a recorded answer: {error}") from None


def load_answers(path: str | Path) -> list[RecordedAnswer]:
    """Every recorded answer of an import (`llmopt import` writes them beside the workload)."""
    return list(iter_answers(path))
