"""A scripted chat model for the router's unit tests: answers, errors and broken streams.

Only the router's own logic is under test here; the real tiers (ChatOpenAI on vLLM) are
exercised in tests/integration/route.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import openai
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
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
    """

    name: str = "scripted"
    text: str = "an answer"
    script: list[Any] = []
    break_after: int | None = None
    prompt_tokens: int = 10
    finish_reason: str = "stop"
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

    def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None,
                  **kwargs: Any) -> ChatResult:
        self._next()
        message = AIMessage(content=self.text, usage_metadata=self._usage(),
                            response_metadata={"finish_reason": self.finish_reason,
                                               "model_name": self.name})
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None,
                **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        step = self._next()
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
                response_metadata={"finish_reason": self.finish_reason,
                                   "model_name": self.name} if last else {}))
