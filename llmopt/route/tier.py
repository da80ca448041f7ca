"""A tier: one LangChain chat model, the price it is billed at and its output cap.

The router calls a tier's model below LangChain's run machinery (its `_generate` and `_stream`,
the methods every chat model implements): the router's own run is the one callbacks see, so a
call's usage is reported once, and a tier's model keeps no cache or callbacks of its own in the
router. A model bound to tools (`model.bind_tools(...)`, or `with_tools` below) is called with
its bound arguments.
"""

from __future__ import annotations

import functools
import json
import os
import threading
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, convert_to_openai_messages
from langchain_core.runnables import RunnableBinding
from pydantic import BaseModel, ConfigDict, Field, model_validator

from llmopt.errors import ConfigError
from llmopt.pricing.api import Price, request_cost
from llmopt.pricing.demo import price_for
from llmopt.redaction import redact_url
from llmopt.route.budget import prompt_token_bound


class Tier(BaseModel):
    """`name` (e.g. small, large), its chat model, `priced_as` (a name llmopt.pricing.price_for
    knows: demo:small, gpt-4o-mini, ...), `max_tokens`, the output cap sent with every call
    (the budget's worst case relies on it), and `tokenizer`, a local folder holding the served
    model's tokenizer and chat template: with it the budget counts a prompt's tokens exactly
    as the server will, without it a loose byte bound stands in."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    name: str = Field(min_length=1)
    model: BaseChatModel | RunnableBinding
    """A chat model, or one bound to tools (`model.bind_tools(...)`)."""
    priced_as: str
    max_tokens: int = Field(default=256, ge=1)
    tokenizer: str | None = None

    @model_validator(mode="after")
    def _priced(self) -> Tier:
        self.price()  # an unknown name fails now, with close matches, not after a call
        return self

    def price(self) -> Price:
        return _price(self.priced_as)

    @property
    def where(self) -> str:
        """Where the tier's calls go: the model's base URL, or its class where it has none."""
        model = self._parts()[0]
        base = getattr(model, "openai_api_base", None)
        return redact_url(str(base)) if base else type(model).__name__

    # --- calls -------------------------------------------------------------------------------

    def invoke(self, messages: list[BaseMessage], stop: list[str] | None,
               kwargs: dict[str, Any]) -> BaseMessage:
        model, bound = self._parts()
        self._acquire(model)
        result = model._generate(messages, stop=stop, **bound, **self.call_kwargs(kwargs))
        return _with_info(result.generations[0])

    async def ainvoke(self, messages: list[BaseMessage], stop: list[str] | None,
                      kwargs: dict[str, Any]) -> BaseMessage:
        model, bound = self._parts()
        if model.rate_limiter:
            await model.rate_limiter.aacquire(blocking=True)
        result = await model._agenerate(messages, stop=stop, **bound,
                                        **self.call_kwargs(kwargs))
        return _with_info(result.generations[0])

    def stream(self, messages: list[BaseMessage], stop: list[str] | None,
               kwargs: dict[str, Any]) -> Iterator[BaseMessage]:
        model, bound = self._parts()
        self._acquire(model)
        for chunk in model._stream(messages, stop=stop, **bound, **self.call_kwargs(kwargs)):
            yield _with_info(chunk)

    async def astream(self, messages: list[BaseMessage], stop: list[str] | None,
                      kwargs: dict[str, Any]) -> AsyncIterator[BaseMessage]:
        model, bound = self._parts()
        if model.rate_limiter:
            await model.rate_limiter.aacquire(blocking=True)
        async for chunk in model._astream(messages, stop=stop, **bound,
                                          **self.call_kwargs(kwargs)):
            yield _with_info(chunk)

    def with_tools(self, tools: Sequence[Any], tool_choice: Any, kwargs: dict[str, Any]) -> Tier:
        """This tier with `tools` bound by its own model's `bind_tools` (so each provider gets
        its own format; `tool_choice` and `kwargs` as that method takes them), over what was
        bound before; ConfigError naming the tier where its model cannot call tools."""
        model, bound = self._parts()
        choice = {} if tool_choice is None else {"tool_choice": tool_choice}
        try:
            tooled = model.bind_tools(tools, **choice, **kwargs)
        except NotImplementedError as exc:
            raise ConfigError(f"tier {self.name!r}: its model ({type(model).__name__}) cannot "
                              f"call tools ({exc or 'bind_tools is not implemented'}); give "
                              "every tier a model that can, or route without tools") from exc
        if not isinstance(tooled, RunnableBinding) or tooled.bound is not model:
            raise ConfigError(f"tier {self.name!r}: {type(model).__name__}.bind_tools returned "
                              f"{type(tooled).__name__}, not the model with arguments bound")
        both = RunnableBinding(bound=model, kwargs={**bound, **tooled.kwargs})
        return self.model_copy(update={"model": both})

    def _parts(self) -> tuple[BaseChatModel, dict[str, Any]]:
        """The chat model and the arguments bound to it (tools, tool choice, ...)."""
        if isinstance(self.model, RunnableBinding):
            return self.model.bound, dict(self.model.kwargs)
        return self.model, {}

    @staticmethod
    def _acquire(model: BaseChatModel) -> None:
        if model.rate_limiter:
            model.rate_limiter.acquire(blocking=True)

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
        """The prompt's tokens, bound tools included: exact with `tokenizer` (its chat template,
        generation prompt added, as the server counts them), else an upper bound from the
        messages' bytes and the tools' JSON (indented, as chat templates tend to render it)."""
        tools = self._parts()[1].get("tools") or None
        if self.tokenizer is None:
            texts = [m.text for m in messages]
            return prompt_token_bound(texts + ([json.dumps(tools, indent=4)] if tools else []))
        chat = convert_to_openai_messages(list(messages))
        with _TOKENIZER_LOCK:  # first load imports transformers; a Rust tokenizer is not
            ids = _tokenizer(self.tokenizer).apply_chat_template(  # safe to share unlocked
                chat, tools=tools, add_generation_prompt=True, tokenize=True, return_dict=False)
        return len(ids)

    @classmethod
    def openai(cls, name: str, base_url: str, model: str, priced_as: str, max_tokens: int = 64,
               timeout_s: float = 60.0, tokenizer: str | None = None,
               api_key_env: str | None = None, **chat_kwargs: Any) -> Tier:
        """A tier on an OpenAI-compatible server (a local vLLM): greedy, usage in streams, no
        client retries (the router retries and falls back); `api_key_env`: the environment
        variable holding its API key (None: the server needs none); `tokenizer`: the served
        model's folder (vLLM's own `--model` folder serves), for exact prompt counts."""
        from langchain_openai import ChatOpenAI

        key = "unused"
        if api_key_env is not None:
            key = os.environ.get(api_key_env, "")
            if not key:
                raise ConfigError(f"tier {name!r}: environment variable {api_key_env} "
                                  "(api_key_env) is not set; export the API key there")
        model_obj = ChatOpenAI(base_url=base_url, model=model, api_key=key, temperature=0,
                               max_retries=0, timeout=timeout_s, stream_usage=True,
                               **chat_kwargs)
        return cls(name=name, model=model_obj, priced_as=priced_as, max_tokens=max_tokens,
                   tokenizer=tokenizer)

    @classmethod
    def served(cls, name: str, server: Any, **options: Any) -> Tier:
        """A tier on a running VllmServer: priced as the name it serves under, its prompts
        counted with the served model's own tokenizer where this machine has it (a hosted
        API's model has none: a budget reserves the byte bound); `options` as `openai`
        takes them."""
        options.setdefault("api_key_env", server.config.api_key_env)
        return cls.openai(name, server.base_url, server.model_name, server.model_name,
                          tokenizer=local_tokenizer(server.config.model), **options)


def _with_info(generation: Any) -> BaseMessage:
    """The generation's message with its generation info (finish reason, model name, ...) in
    the message's metadata, as LangChain's run machinery would put it."""
    message = generation.message
    info = generation.generation_info or {}
    if info:
        message.response_metadata = {**info, **message.response_metadata}
    return message


_PRICES: dict[str, Price] = {}


def _price(name: str) -> Price:
    if name not in _PRICES:
        _PRICES[name] = price_for(name)
    return _PRICES[name]


def local_tokenizer(model: str) -> str | None:
    """`model` where its tokenizer loads without a download (a local folder, a hub id in the
    local Hugging Face cache), else None (an API's model name, e.g. gpt-4.1)."""
    if Path(model).is_dir():
        return model
    from huggingface_hub import try_to_load_from_cache
    from huggingface_hub.errors import HFValidationError

    try:
        cached = try_to_load_from_cache(model, "tokenizer_config.json")
    except HFValidationError:  # not a hub id either
        return None
    return model if isinstance(cached, str) else None


_TOKENIZER_LOCK = threading.Lock()
"""Held while a tokenizer loads or counts: concurrent calls from a router's threads would
otherwise race transformers' lazy import (measured: ImportError in the fallback drill)."""


@functools.cache
def _tokenizer(path: str) -> Any:
    """The Hugging Face tokenizer in `path` (loaded once per process; local files only)."""
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(path, local_files_only=True)  # nosec B615 # local files only
    except (OSError, ValueError) as exc:
        raise ConfigError(f"no tokenizer in {path!r}: give the served model's local folder "
                          "(tokenizer.json and its chat template) or tokenizer=None") from exc
