"""A tier: one LangChain chat model, the price it is billed at and its output cap."""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, convert_to_openai_messages
from pydantic import BaseModel, ConfigDict, Field

from llmopt.errors import ConfigError
from llmopt.pricing.api import Price, request_cost
from llmopt.pricing.demo import price_for
from llmopt.route.budget import prompt_token_bound


class Tier(BaseModel):
    """`name` (e.g. small, large), its chat model, `priced_as` (a name llmopt.pricing.price_for
    knows: demo:small, gpt-4o-mini, ...), `max_tokens`, the output cap sent with every call
    (the budget's worst case relies on it), and `tokenizer`, a local folder holding the served
    model's tokenizer and chat template: with it the budget counts a prompt's tokens exactly
    as the server will, without it a loose byte bound stands in."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    name: str = Field(min_length=1)
    model: BaseChatModel
    priced_as: str
    max_tokens: int = Field(default=256, ge=1)
    tokenizer: str | None = None

    def price(self) -> Price:
        return _price(self.priced_as)

    def cost(self, prompt_tokens: int, output_tokens: int) -> float:
        return request_cost(self.price(), prompt_tokens, 0, output_tokens)

    def call_kwargs(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        return {"max_tokens": self.max_tokens, **kwargs}

    def output_cap(self, kwargs: dict[str, Any]) -> int:
        """The output tokens a call with `kwargs` may produce: its `max_tokens` (the tier's
        unless the caller gives another); ConfigError where the call sets none."""
        cap = self.call_kwargs(kwargs).get("max_tokens")
        if not isinstance(cap, int) or cap < 1:
            raise ConfigError(f"tier {self.name!r}: a budgeted call needs max_tokens >= 1 to "
                              f"bound its cost, got {cap!r}")
        return cap

    def prompt_tokens(self, messages: Sequence[BaseMessage]) -> int:
        """The prompt's tokens: exact with `tokenizer` (its chat template, generation prompt
        added, as the server counts them), else an upper bound from the messages' bytes."""
        if self.tokenizer is None:
            return prompt_token_bound([m.text for m in messages])
        chat = convert_to_openai_messages(list(messages))
        with _TOKENIZER_LOCK:  # first load imports transformers; a Rust tokenizer is not
            ids = _tokenizer(self.tokenizer).apply_chat_template(  # safe to share unlocked
                chat, add_generation_prompt=True, tokenize=True, return_dict=False)
        return len(ids)

    @classmethod
    def openai(cls, name: str, base_url: str, model: str, priced_as: str, max_tokens: int = 64,
               timeout_s: float = 60.0, tokenizer: str | None = None,
               **chat_kwargs: Any) -> Tier:
        """A tier on an OpenAI-compatible server (a local vLLM): greedy, usage in streams, no
        client retries (the router retries and falls back), no API key needed; `tokenizer`: the
        served model's folder (vLLM's own `--model` folder serves), for exact prompt counts."""
        from langchain_openai import ChatOpenAI

        model_obj = ChatOpenAI(base_url=base_url, model=model, api_key="unused", temperature=0,
                               max_retries=0, timeout=timeout_s, stream_usage=True,
                               **chat_kwargs)
        return cls(name=name, model=model_obj, priced_as=priced_as, max_tokens=max_tokens,
                   tokenizer=tokenizer)

    @classmethod
    def served(cls, name: str, server: Any, **options: Any) -> Tier:
        """A tier on a running VllmServer: priced as the name it serves under, its prompts
        counted with the served model's own tokenizer; `options` as `openai` takes them."""
        return cls.openai(name, server.base_url, server.model_name, server.model_name,
                          tokenizer=server.config.model, **options)


_PRICES: dict[str, Price] = {}


def _price(name: str) -> Price:
    if name not in _PRICES:
        _PRICES[name] = price_for(name)
    return _PRICES[name]


_TOKENIZER_LOCK = threading.Lock()
"""Held while a tokenizer loads or counts: concurrent calls from a router's threads would
otherwise race transformers' lazy import (measured: ImportError in the fallback drill)."""


@functools.cache
def _tokenizer(path: str) -> Any:
    """The Hugging Face tokenizer in `path` (loaded once per process; local files only)."""
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(path, local_files_only=True)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"no tokenizer in {path!r}: give the served model's local folder "
                          "(tokenizer.json and its chat template) or tokenizer=None") from exc
