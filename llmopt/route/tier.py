"""A tier: one LangChain chat model, the price it is billed at and its output cap."""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel, ConfigDict, Field

from llmopt.pricing.api import Price, request_cost
from llmopt.pricing.demo import price_for


class Tier(BaseModel):
    """`name` (e.g. small, large), its chat model, `priced_as` (a name llmopt.pricing.price_for
    knows: demo:small, gpt-4o-mini, ...) and `max_tokens`, the output cap sent with every call
    (the budget's worst case relies on it)."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    name: str = Field(min_length=1)
    model: BaseChatModel
    priced_as: str
    max_tokens: int = Field(default=256, ge=1)

    def price(self) -> Price:
        return _price(self.priced_as)

    def cost(self, prompt_tokens: int, output_tokens: int) -> float:
        return request_cost(self.price(), prompt_tokens, 0, output_tokens)

    def call_kwargs(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        return {"max_tokens": self.max_tokens, **kwargs}

    @classmethod
    def openai(cls, name: str, base_url: str, model: str, priced_as: str, max_tokens: int = 64,
               timeout_s: float = 60.0, **chat_kwargs: Any) -> Tier:
        """A tier on an OpenAI-compatible server (a local vLLM): greedy, usage in streams, no
        client retries (the router retries and falls back), no API key needed."""
        from langchain_openai import ChatOpenAI

        model_obj = ChatOpenAI(base_url=base_url, model=model, api_key="unused", temperature=0,
                               max_retries=0, timeout=timeout_s, stream_usage=True,
                               **chat_kwargs)
        return cls(name=name, model=model_obj, priced_as=priced_as, max_tokens=max_tokens)


_PRICES: dict[str, Price] = {}


def _price(name: str) -> Price:
    if name not in _PRICES:
        _PRICES[name] = price_for(name)
    return _PRICES[name]
