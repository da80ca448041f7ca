"""The scorer base: a number in [0, 1] per request; higher means "send it to a stronger tier".
A scorer reads a request's text as llmopt.embed.text says (`Reads`, `request_text`), as the
semantic caches do, so a request both see is embedded once."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from langchain_core.messages import BaseMessage

from llmopt.embed.text import Reads, check_reads, request_text


class Scorer(ABC):
    """Scores requests before any model answers them. `kind` names the variant; `reads` what
    of a chat request it scores (train it on the same: `request_text(messages, reads)`)."""

    kind: str = "base"
    reads: Reads = "user"

    def __init__(self, reads: Reads = "user") -> None:
        check_reads(reads)
        self.reads = reads

    @abstractmethod
    def score_texts(self, texts: Sequence[str]) -> list[float]:
        """One score in [0, 1] per request text; higher = harder for the cheap tier."""

    def score(self, messages: Sequence[BaseMessage]) -> float:
        """The score of one chat request."""
        return self.score_texts([request_text(messages, self.reads)])[0]


__all__ = ["Reads", "Scorer", "request_text"]
