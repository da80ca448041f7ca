"""The scorer base: a number in [0, 1] per request; higher means "send it to a stronger tier"."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from langchain_core.messages import BaseMessage


def request_text(messages: Sequence[BaseMessage]) -> str:
    """The text a scorer reads: every message's text content, one per line."""
    return "\n".join(m.text for m in messages)


class Scorer(ABC):
    """Scores requests before any model answers them. `kind` names the variant."""

    kind: str = "base"

    @abstractmethod
    def score_texts(self, texts: Sequence[str]) -> list[float]:
        """One score in [0, 1] per request text; higher = harder for the cheap tier."""

    def score(self, messages: Sequence[BaseMessage]) -> float:
        """The score of one chat request."""
        return self.score_texts([request_text(messages)])[0]
