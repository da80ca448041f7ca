"""A scripted chat model for the router's unit tests: answers, errors and broken streams.

Only the router's own logic is under test here; the real tiers (ChatOpenAI on vLLM) are
exercised in tests/integration/route.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import httpx
import openai
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import PrivateAttr

_REQUEST = httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions")


def api_error(status: int, message: str = "error") -> openai.APIStatusError:
    """The exception the OpenAI client raises for an HTTP status."""
    classes = {429: openai.RateLimitError, 400: openai.BadRequestError,
               500: openai.InternalServerError, 503: openai.InternalServerError}
    cls = classes.get(status, openai.APIStatusError)
    return cls(message, response=httpx.Response(status, request=_REQUEST), body=None)


def stream_error(code: int | str, message: str = "error") -> openai.APIError:
    """What the OpenAI client raises for an error event inside a stream (no HTTP status)."""
    return openai.APIError(message, request=_REQUEST,
                           body={"message": message, "type": "InternalServerError", "code": code})


def refused() -> openai.APIConnectionError:
    return openai.APIConnectionError(request=_REQUEST)


def timed_out() -> openai.APITimeoutError:
    return openai.APITimeoutError(request=_REQUEST)


class Scripted(BaseChatModel):
    """Answers `text` (split in words when streamed), after raising the scripted errors in turn.

    `script`: per call, None (answer) or an exception to raise; past its end, answers.
    `break_after`: when streaming, raise this many chunks in (once per scripted "break").
    With tools bound (`bind_tools`), answers with one call of the chosen tool (the named
    `tool_choice`, else the first) with `tool_args`; streamed, the call comes in the first chunk.
    """

    name: str = "scripted"
    text: str = "an answer"
    script: list[Any] = []
    break_after: int | None = None
    prompt_tokens: int = 10
    finish_reason: str = "stop"
    tool_args: dict = {}
    logprobs: list[float] | None = None
    """One per word of `text`: sent as OpenAI's `logprobs.content` (streamed: per chunk)."""
    gate: Any = None
    """A threading.Event the stream waits on after its first chunk (None: no wait)."""
    _calls: int = PrivateAttr(default=0)
    _streamed: int = PrivateAttr(default=0)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    @property
    def calls(self) -> int:
        return self._calls

    @property
    def streamed(self) -> int:
        """Chunks yielded so far (all streams)."""
        return self._streamed

    def _next(self) -> Any:
        with self._lock:
            step = self.script[self._calls] if self._calls < len(self.script) else None
            self._calls += 1
        if isinstance(step, BaseException):
            raise step
        return step

    def _usage(self) -> dict:
        out = len(self.text.split())
        return {"input_tokens": self.prompt_tokens, "output_tokens": out,
                "total_tokens": self.prompt_tokens + out}

    def bind_tools(self, tools: Sequence[Any], *, tool_choice: Any = None,
                   **kwargs: Any) -> Runnable:
        formatted = [convert_to_openai_tool(t) for t in tools]
        return self.bind(tools=formatted, tool_choice=tool_choice, **kwargs)

    def _tool_call(self, kwargs: dict) -> dict | None:
        """The call this answer makes: None without tools bound."""
        if not kwargs.get("tools"):
            return None
        names = [t["function"]["name"] for t in kwargs["tools"]]
        choice = kwargs.get("tool_choice")
        name = choice if choice in names else names[0]
        return {"name": name, "args": self.tool_args, "id": f"call-{self.name}-{self._calls}"}

    def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None,
                  **kwargs: Any) -> ChatResult:
        self._next()
        call = self._tool_call(kwargs)
        message = AIMessage(content="" if call else self.text, tool_calls=[call] if call else [],
                            usage_metadata=self._usage(),
                            response_metadata={"finish_reason": self.finish_reason,
                                               "model_name": self.name,
                                               **self._logprobs(slice(None))})
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None,
                **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        step = self._next()
        call = self._tool_call(kwargs)
        if call is not None:
            yield ChatGenerationChunk(message=AIMessageChunk(content="", tool_call_chunks=[
                {"name": call["name"], "args": json.dumps(call["args"]), "id": call["id"],
                 "index": 0}], usage_metadata=self._usage(),
                response_metadata={"finish_reason": "tool_calls", "model_name": self.name}))
            return
        words = self.text.split(" ")
        for i, word in enumerate(words):
            if step == "break" and i == self.break_after:
                raise refused()
            last = i == len(words) - 1
            if i == 1 and self.gate is not None:
                self.gate.wait(10)
            self._streamed += 1
            yield ChatGenerationChunk(message=AIMessageChunk(
                content=word if i == 0 else f" {word}",
                usage_metadata=self._usage() if last else None,
                response_metadata=self._logprobs(slice(i, i + 1)) | (
                    {"finish_reason": self.finish_reason, "model_name": self.name}
                    if last else {})))

    def _logprobs(self, words: slice) -> dict:
        if self.logprobs is None:
            return {}
        pairs = zip(self.text.split(" ")[words], self.logprobs[words], strict=True)
        return {"logprobs": {"content": [{"token": w, "logprob": lp} for w, lp in pairs]}}


class NoTools(Scripted):
    """A scripted model that cannot call tools (LangChain's default `bind_tools` refuses)."""

    bind_tools = BaseChatModel.bind_tools
