"""`Compression`: what one compressor call did to one text, and how long it took."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from llmopt.compress.diff import Piece, diff, kept_share


class Compression(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str
    setting: str
    """`rate 0.5` or `300 tokens`."""
    rate: float | None
    target_token: int | None
    original: str
    compressed: str
    question: str = ""
    """The question the compression was conditioned on (question-aware methods only use it)."""
    seconds: float
    """The compressor's own time for this call (model loading excluded)."""
    forced: list[str]
    """The force-kept strings found in the original."""
    missing: list[str]
    """Force-kept strings the compressed text lost (empty when every one survived)."""

    def diff(self) -> list[Piece]:
        """The original's words and marks, each kept or dropped (see llmopt.compress.diff)."""
        return diff(self.original, self.compressed)

    @property
    def kept_words(self) -> float:
        """Share of the original's words and marks that survived."""
        return kept_share(self.diff())

    @property
    def kept_chars(self) -> float:
        """Compressed length over original length, in characters."""
        return len(self.compressed) / len(self.original) if self.original else 1.0
