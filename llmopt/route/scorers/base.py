"""The scorer base: a number in [0, 1] per request; higher means "send it to a stronger tier"."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Literal, get_args

from langchain_core.messages import BaseMessage, HumanMessage

from llmopt.errors import ConfigError

Reads = Literal["user", "last_user", "all"]
"""What a scorer reads of a chat request: every user message ("user", the default), the last
one only ("last_user": what differs in a long conversation), or every message ("all", the
system prompt too: one shared by every request tells requests apart no better than nothing and
costs the embedding scorer time in proportion to its length)."""


def request_text(messages: Sequence[BaseMessage], reads: Reads = "user") -> str:
    """The text a scorer reads of `messages` (see `Reads`), one message per line; every message
    where the request holds no user message."""
    _check_reads(reads)
    human = [m.text for m in messages if isinstance(m, HumanMessage)]
    if reads == "last_user" and human:
        return human[-1]
    if reads == "all" or not human:
        return "\n".join(m.text for m in messages)
    return "\n".join(human)


class Scorer(ABC):
    """Scores requests before any model answers them. `kind` names the variant; `reads` what
    of a chat request it scores (train it on the same: `request_text(messages, reads)`)."""

    kind: str = "base"
    reads: Reads = "user"

    def __init__(self, reads: Reads = "user") -> None:
        self.reads = _check_reads(reads)

    @abstractmethod
    def score_texts(self, texts: Sequence[str]) -> list[float]:
        """One score in [0, 1] per request text; higher = harder for the cheap tier."""

    def score(self, messages: Sequence[BaseMessage]) -> float:
        """The score of one chat request."""
        return self.score_texts([request_text(messages, self.reads)])[0]


def _check_reads(reads: str) -> Reads:
    if reads not in get_args(Reads):
        raise ConfigError(f"unknown reads {reads!r}; valid: {', '.join(get_args(Reads))}")
    return reads  # type: ignore[return-value]
