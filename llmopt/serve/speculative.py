"""Speculative-decoding settings, one class per method, serialised for `--speculative-config`."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from llmopt.errors import ConfigError
from llmopt.serve.model_ref import expand, is_local


class DraftModelSpeculative(BaseModel):
    """A smaller model of the same tokenizer proposes tokens; the target verifies them."""

    model_config = ConfigDict(extra="forbid")

    method: Literal["draft_model"] = "draft_model"
    model: str
    """Local folder or hub id of the draft model."""
    num_speculative_tokens: int = Field(ge=1)

    def to_vllm(self) -> dict[str, object]:
        """The dict vLLM 0.32 reads from `--speculative-config`."""
        return {**self.model_dump(), "model": expand(self.model)}


class NgramSpeculative(BaseModel):
    """Prompt lookup: propose the tokens that followed the last n-gram's earlier occurrence."""

    model_config = ConfigDict(extra="forbid")

    method: Literal["ngram"] = "ngram"
    num_speculative_tokens: int = Field(ge=1)
    prompt_lookup_max: int = Field(default=4, ge=1)
    prompt_lookup_min: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _check_window(self) -> NgramSpeculative:
        low = self.prompt_lookup_min
        if low is not None and low > self.prompt_lookup_max:
            raise ConfigError(
                f"prompt_lookup_min={low} must be <= prompt_lookup_max={self.prompt_lookup_max}"
            )
        return self

    def to_vllm(self) -> dict[str, object]:
        """The dict vLLM 0.32 reads from `--speculative-config` (unset fields left out)."""
        return self.model_dump(exclude_none=True)


class EagleSpeculative(BaseModel):
    """A draft head trained on the target's hidden states (EAGLE / EAGLE-3) proposes tokens."""

    model_config = ConfigDict(extra="forbid")

    method: Literal["eagle", "eagle3"] = "eagle3"
    model: str
    """Local folder or hub id of the draft head trained for the target model."""
    num_speculative_tokens: int = Field(ge=1)

    def to_vllm(self) -> dict[str, object]:
        """The dict vLLM 0.32 reads from `--speculative-config`."""
        return {**self.model_dump(), "model": expand(self.model)}


SpeculativeConfig = Annotated[
    DraftModelSpeculative | NgramSpeculative | EagleSpeculative, Field(discriminator="method")
]


def speculative_arg(spec: DraftModelSpeculative | NgramSpeculative | EagleSpeculative) -> str:
    """The JSON text passed after `--speculative-config`."""
    return json.dumps(spec.to_vllm(), separators=(",", ":"))


def check_draft_tokenizer(target: str, draft: str) -> None:
    """Refuse a draft model whose tokenizer is not the target's, before any server starts: the
    target verifies the draft's token ids, so an id must mean the same text to both (vLLM only
    compares vocabulary sizes, after a minute of start-up). Checked where both are local
    folders with a tokenizer.json; a hub id is left to vLLM."""
    if not (is_local(target) and is_local(draft)):
        return
    files = {role: Path(model).expanduser() / "tokenizer.json"
             for role, model in (("target", target), ("draft", draft))}
    if not all(f.is_file() for f in files.values()):
        return
    ours, theirs = (_vocab(str(files[role]), files[role].stat().st_mtime_ns)
                    for role in ("target", "draft"))
    if ours == theirs:
        return
    other = sum(1 for token, i in theirs.items() if ours.get(token) != i)
    raise ConfigError(
        f"draft model {draft!r} has another tokenizer than the target {target!r}: "
        f"{len(theirs):,} tokens against {len(ours):,}, {other:,} of the draft's with another "
        "id or none in the target's. Draft-model speculation needs the target's tokenizer: use "
        "a smaller model of the same family, or method 'ngram' (no draft model)")


@functools.lru_cache(maxsize=8)
def _vocab(path: str, mtime_ns: int) -> dict[str, int]:
    """A tokenizer.json's token -> id map, read once per file version (every ServeConfig with a
    draft model checks it, and a real tokenizer.json is megabytes)."""
    from tokenizers import Tokenizer

    return Tokenizer.from_file(path).get_vocab(with_added_tokens=True)
