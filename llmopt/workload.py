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
    """Read a workload: lines of WorkloadItem, or an OpenAI batch input file (lines with a
    `custom_id` and a chat `body`; its system and user messages become the item, the body's
    sampling fields are left to the endpoint). A bad line is a ConfigError naming the file and
    line number."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"workload file {path} does not exist")
    items = []
    for number, line in enumerate(read_text(path, "workload file").split("\n"), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            items.append(from_batch_line(data) if isinstance(data, dict) and "custom_id" in data
                         else WorkloadItem.model_validate(data))
        except (json.JSONDecodeError, ValidationError, ValueError) as error:
            raise ConfigError(f"{path}:{number}: not a workload item: {error}") from None
    if not items:
        raise ConfigError(f"workload file {path} holds no items")
    return items


def from_batch_line(data: dict[str, Any]) -> WorkloadItem:
    """The item of one OpenAI batch input line (its chat messages: system, then the user's)."""
    messages = (data.get("body") or {}).get("messages")
    if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
        raise ValueError("a batch line needs body.messages, a list of chat messages")
    text = {role: "\n".join(str(m.get("content", "")) for m in messages if m.get("role") == role)
            for role in ("system", "user")}
    return WorkloadItem(id=str(data["custom_id"]), system=text["system"], user=text["user"])
