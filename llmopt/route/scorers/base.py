"""The scorer base: a number in [0, 1] per request; higher means "send it to a stronger tier"."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from langchain_core.messages import BaseMessage, HumanMessage


def request_text(messages: Sequence[BaseMessage]) -> str:
    """The text a scorer reads: the user's messages, one per line (a system prompt shared by
    every request tells requests apart no better than nothing); every message where the
    request holds no user message."""
    human = [m.text for m in messages if isinstance(m, HumanMessage)]
    return "\n".join(human or [m.text for m in messages])


class Scorer(ABC):
    """Scores requests before any model answers them. `kind` names the variant."""

    kind: str = "base"

    @abstractmethod
    def score_texts(self, texts: Sequence[str]) -> list[float]:
        """One score in [0, 1] per request text; higher = harder for the cheap tier."""

    def score(self, messages: Sequence[BaseMessage]) -> float:
        """The score of one chat request."""
        return self.score_texts([request_text(messages)])[0]
