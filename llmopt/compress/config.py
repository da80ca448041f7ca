"""`CompressConfig`: one prompt-compression setting, a `kind` per method.

    llmlingua       LLMLingua: drops the tokens a small causal LM finds least surprising
    longllmlingua   LongLLMLingua: the same, conditioned on the question (the ticket)
    llmlingua2      LLMLingua-2: a token classifier says which words to keep

Each takes either a `rate` (kept share of the context's tokens, in (0, 1]) or a `target_token`
budget, and `force` patterns: regular expressions whose matches (order ids, amounts) are never
dropped. `model` is the compressor's own model (a folder or hub id); None means the method's
default for the profile (`default_model`).
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from llmopt.config import Tagged
from llmopt.demo.assets import ASSETS_DIR
from llmopt.errors import ConfigError

KINDS = ("llmlingua", "longllmlingua", "llmlingua2")
DEFAULT_RATE = 0.5
DEFAULT_FORCE = (r"#\d{6}\b", r"(?<=[ (])\$?\d+\b")
"""Order ids (`#482913`) and amounts or counts after a space or a parenthesis (`$45`, `30`,
`($120)`): what the demo's answers copy or compute with. A number opening a line (a list's
`1.`) is not forced."""
PUBLISHED_LLMLINGUA2 = "microsoft/llmlingua-2-xlm-roberta-large-meetingbank"
"""The classifier LLMLingua-2's authors published; used on the gpu profile."""
DEMO_CLASSIFIER = ASSETS_DIR / "llmlingua2" / "demo-bert-base-multilingual-cased"
"""The demo world's LLMLingua-2 classifier (`python -m llmopt.compress.classifier`). The folder
name is a dispatch key: llmlingua 0.2.2 picks its WordPiece (`##`) word merging when the model
name contains `bert-base-multilingual-cased`. The model is a tiny BERT, not that one."""


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rate: float | None = None
    """Share of the context's tokens to keep, in (0, 1]; DEFAULT_RATE when neither is set."""
    target_token: int | None = None
    """A token budget for the compressed context, instead of a rate."""
    force: tuple[str, ...] = DEFAULT_FORCE
    """Regular expressions whose matches are kept whole."""
    model: str | None = None
    threads: int = Field(default=1, ge=1)
    """torch threads while compressing: one is fastest for a small model on a busy CPU."""

    @field_validator("rate")
    @classmethod
    def _rate_in_range(cls, rate: float | None) -> float | None:
        if rate is not None and not 0 < rate <= 1:
            raise ConfigError(f"rate must be in (0, 1] (the share of tokens kept), got {rate}")
        return rate

    @field_validator("target_token")
    @classmethod
    def _budget_positive(cls, budget: int | None) -> int | None:
        if budget is not None and budget < 1:
            raise ConfigError(f"target_token must be >= 1 (a token budget), got {budget}")
        return budget

    @field_validator("force")
    @classmethod
    def _patterns_compile(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ConfigError(f"force pattern {pattern!r} is not a regular expression: "
                                  f"{error}") from None
        return patterns

    @model_validator(mode="before")
    @classmethod
    def _rate_or_budget(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        rate, budget = data.get("rate"), data.get("target_token")
        if rate is not None and budget is not None:
            raise ConfigError(f"give rate ({rate}) or target_token ({budget}), not both")
        if rate is None and budget is None:
            return {**data, "rate": DEFAULT_RATE}
        return data

    @property
    def setting(self) -> str:
        """Short text for tables: `rate 0.5` or `300 tokens`."""
        return f"rate {self.rate:g}" if self.target_token is None else f"{self.target_token} tokens"


class LLMLinguaConfig(_Base):
    kind: Literal["llmlingua"] = "llmlingua"
    iterative_size: int = Field(default=200, ge=16)
    """Tokens per step of LLMLingua's iterative token-level compression."""


class LongLLMLinguaConfig(_Base):
    kind: Literal["longllmlingua"] = "longllmlingua"
    iterative_size: int = Field(default=200, ge=16)
    dynamic_ratio: float = Field(default=0.3, ge=0, le=1)
    """LongLLMLingua's dynamic compression ratio: segments ranked higher keep more."""
    context_budget: str = Field(default="+100", pattern=r"^[*+-]\d+(\.\d+)?$")
    """Coarse-level budget over the target, as LongLLMLingua writes it (`+100`, `*1.5`)."""


class LLMLingua2Config(_Base):
    kind: Literal["llmlingua2"] = "llmlingua2"


CompressConfig = LLMLinguaConfig | LongLLMLinguaConfig | LLMLingua2Config
_FAMILY: Tagged[Any] = Tagged("compression method", "kind", {
    "llmlingua": LLMLinguaConfig, "longllmlingua": LongLLMLinguaConfig,
    "llmlingua2": LLMLingua2Config})


def config_from(data: dict[str, Any] | BaseModel) -> CompressConfig:
    """A validated config; ConfigError naming an unknown kind (with the valid ones) or field."""
    return _FAMILY.validate(data)


def default_model(kind: str, profile: str, draft_model: str) -> str:
    """The compressor's model on a profile: LLMLingua and LongLLMLingua score with the
    profile's small draft model (the demo `small` model on the demo profile); LLMLingua-2 uses
    the demo classifier shipped in the repo, or the published one on other profiles."""
    if kind not in KINDS:
        raise ConfigError(f"unknown compression method kind={kind!r}; valid: {', '.join(KINDS)}")
    if kind != "llmlingua2":
        return draft_model
    return str(DEMO_CLASSIFIER) if profile == "demo" else PUBLISHED_LLMLINGUA2
