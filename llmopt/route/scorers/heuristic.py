"""Heuristic scorer: length, keywords and structure of the request, no model at all."""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from llmopt.route.scorers.base import Scorer

_LIST_LINE = re.compile(r"^\s*(?:[-*\u2022]|\d+[.)])\s", re.MULTILINE)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


class HeuristicConfig(BaseModel):
    """Weights of the heuristic's three signals; each signal lies in [0, 1] before weighting."""

    model_config = ConfigDict(extra="forbid")

    kind: str = "heuristic"
    long_chars: int = Field(default=2000, ge=1)
    """A request this long (characters) or longer gets the full length signal."""
    keywords: list[str] = Field(default_factory=lambda: [
        "why", "explain", "compare", "calculate", "total", "step", "prove", "items"])
    """Words that mark a request needing reasoning; matched whole, case-insensitive."""
    length_weight: float = Field(default=0.4, ge=0)
    keyword_weight: float = Field(default=0.4, ge=0)
    structure_weight: float = Field(default=0.2, ge=0)


class HeuristicScorer(Scorer):
    """Weighted mean of length, keyword hits (up to 3 count) and structure (lists, numbers)."""

    kind = "heuristic"

    def __init__(self, config: HeuristicConfig | None = None) -> None:
        self.config = config or HeuristicConfig()
        words = "|".join(re.escape(k) for k in self.config.keywords) or r"(?!x)x"
        self._keywords = re.compile(rf"\b(?:{words})\b", re.IGNORECASE)
        c = self.config
        self._total = (c.length_weight + c.keyword_weight + c.structure_weight) or 1.0

    def score_texts(self, texts: Sequence[str]) -> list[float]:
        return [self._one(t) for t in texts]

    def _one(self, text: str) -> float:
        c = self.config
        length = min(len(text) / c.long_chars, 1.0)
        keywords = min(len(self._keywords.findall(text)) / 3, 1.0)
        structure = min((len(_LIST_LINE.findall(text)) + len(_NUMBER.findall(text)) / 4) / 4,
                        1.0)
        weighted = (c.length_weight * length + c.keyword_weight * keywords
                    + c.structure_weight * structure)
        return weighted / self._total
