"""A workload: the requests a pilot replays, each with the reference answer its grader checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from llmopt.config import read_text
from llmopt.errors import ConfigError


class WorkloadItem(BaseModel):
    """One request: a system prompt shared by the workload and one user message."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    system: str
    user: str
    reference: dict[str, Any] | None = None
    """Fields the grader checks; None where a workload has no reference answers."""
    tier: str = "default"
    group: str | None = None
    """Paraphrases of one request share a group (and a reference)."""
    facts: dict[str, Any] = {}
    """What the generator knew when it wrote the request (for analysis, labels, paraphrases)."""

    def messages(self) -> list[dict[str, str]]:
        return [{"role": "system", "content": self.system}, {"role": "user", "content": self.user}]


def save_jsonl(items: list[WorkloadItem], path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(item.model_dump_json() + "\n" for item in items))
    return path


def load_jsonl(path: str | Path) -> list[WorkloadItem]:
    """Read a workload; a bad line is a ConfigError naming the file and line number."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"workload file {path} does not exist")
    items = []
    for number, line in enumerate(read_text(path, "workload file").split("\n"), start=1):
        if not line.strip():
            continue
        try:
            items.append(WorkloadItem.model_validate(json.loads(line)))
        except (json.JSONDecodeError, ValidationError) as error:
            raise ConfigError(f"{path}:{number}: not a workload item: {error}") from None
    if not items:
        raise ConfigError(f"workload file {path} holds no items")
    return items
