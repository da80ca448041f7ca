"""`LoggedCall`: one request as a log recorded it, whatever the log's format, and the
workload item it becomes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from llmopt.traffic.answer import RecordedAnswer
from llmopt.traffic.fields import BadLine, text
from llmopt.workload import WorkloadItem

SYSTEM_ROLES = ("system", "developer")


@dataclass(frozen=True, slots=True)
class Conversation:
    """A request's messages as a workload item holds them: the system text, the last user
    message, and the other turns of a multi-turn request (so that nothing is lost)."""

    system: str
    user: str
    turns: tuple[dict[str, str], ...] = ()
    non_text_parts: int = 0


def conversation(messages: Any, name: str = "messages") -> Conversation:
    """The conversation of a chat request's `messages` (BadLine when they are not chat
    messages or hold no user message)."""
    if not isinstance(messages, list) or not messages:
        raise BadLine(f"{name} must be a non-empty list of chat messages")
    system, others, non_text = [], [], 0
    for index, message in enumerate(messages):
        role = message.get("role") if isinstance(message, dict) else None
        if not isinstance(role, str):
            raise BadLine(f"{name}[{index}] must be a chat message with a `role`")
        content, parts = text(message.get("content"), f"{name}[{index}].content")
        non_text += parts
        if role in SYSTEM_ROLES:
            system.append(content)
        else:
            others.append({"role": role, "content": content})
    last_user = max((i for i, m in enumerate(others) if m["role"] == "user"), default=None)
    if last_user is None:
        raise BadLine(f"{name} hold no user message")
    turns = tuple(others[:last_user] + others[last_user + 1:])
    return Conversation("\n".join(system), others[last_user]["content"], turns, non_text)


@dataclass(frozen=True, slots=True)
class LoggedCall:
    """One logged request. `answer` is None where the answer lives elsewhere (a Batch
    output file, joined by id when the item is written)."""

    id: str
    line: int
    conversation: Conversation
    model: str | None = None
    timestamp: datetime | None = None
    tags: tuple[str, ...] = ()
    user: Any = None
    reference: dict[str, Any] | None = None
    kept: dict[str, Any] = field(default_factory=dict)
    answer: RecordedAnswer | None = None

    def item(self) -> WorkloadItem:
        """The workload item: the log's id, its messages, the logged facts."""
        talk = self.conversation
        facts: dict[str, Any] = {"log_line": self.line, "model": self.model,
                                 "timestamp": self.timestamp.isoformat() if self.timestamp
                                 else None, "tags": list(self.tags), "user": self.user}
        if talk.turns:
            facts["turns"] = list(talk.turns)
        if talk.non_text_parts:
            facts["non_text_parts"] = talk.non_text_parts
        if self.kept:
            facts["kept"] = self.kept
        facts = {k: v for k, v in facts.items() if v not in (None, [])}
        return WorkloadItem(id=self.id, system=talk.system, user=talk.user,
                            reference=self.reference, facts=facts)
