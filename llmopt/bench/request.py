"""One streaming request with bounded retries: timings, token usage, status.

Times are measured from the first attempt's send (what a user waits, retries included):
TTFT to the first streamed text, inter-token latencies between text chunks, TPOT =
(latency - TTFT) / (output_tokens - 1). Token counts come from the server's usage
(`usage_source="server"`); a response without usage, and every failed request, is counted
with a client tokenizer (`usage_source="client"`).

The transport is aiohttp, as in vLLM's own benchmark client: at 64 concurrent streams it costs
a tenth of httpx's CPU per request (`benchmarks/client_vs_vllm.py --server instant`), so the
client does not become the bottleneck it measures.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from pydantic import ConfigDict
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from llmopt.bench.counter import TokenCounter, tiktoken_counter
from llmopt.bench.endpoint import Endpoint, Retry
from llmopt.bench.record import Outcome
from llmopt.redaction import mask
from llmopt.workload import WorkloadItem

RETRY_STATUS = frozenset({408, 429})
"""Statuses retried besides every 5xx."""
_MESSAGE_CHARS = 1000


class Reply(Outcome):
    """What one request produced over all its attempts, as `send` saw it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    unreachable: bool = False
    """True when no connection to the endpoint could be made."""


class HttpStatusError(Exception):
    """A non-200 answer; `message` is the server's own error text."""

    def __init__(self, code: int, message: str, retry_after: float | None = None) -> None:
        super().__init__(f"HTTP {code}: {message}")
        self.code, self.message, self.retry_after = code, message, retry_after


class StreamError(Exception):
    """An error the server reported inside a 200 stream (not retried)."""


@dataclass
class _Trace:
    """What one attempt saw: text chunks with their arrival times, and the usage."""

    times: list[float] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)
    usage: dict[str, Any] | None = None
    finish_reason: str | None = None
    http_status: int | None = None

    @property
    def text(self) -> str:
        return "".join(self.parts)


async def send(client: aiohttp.ClientSession, endpoint: Endpoint, item: WorkloadItem, *,
               token_counter: TokenCounter | None = None,
               on_answer: Callable[[], None] | None = None) -> Reply:
    """Send `item` (retrying per `endpoint.retry`); a failure is returned as data, not raised.
    `on_answer` is called when an attempt's response begins and when the request ends."""
    start_wall, start = time.time(), time.perf_counter()
    traces: list[_Trace] = []
    status, error, unreachable = "ok", None, False
    try:
        async for attempt in _retrying(endpoint.retry):
            with attempt:
                traces.append(_Trace())
                await _attempt(client, endpoint, item, traces[-1], on_answer)
    except (HttpStatusError, StreamError, aiohttp.ClientError, TimeoutError,
            ValueError) as exc:  # ValueError: a chunk that is not JSON, or a line too long
        status, error, unreachable = _describe(exc, endpoint)
    finally:
        if on_answer is not None:
            on_answer()
    latency = time.perf_counter() - start
    trace = traces[-1] if traces else _Trace()
    fields = _timings(trace, start, latency) | _tokens(trace, endpoint, item, token_counter)
    return Reply(status=status, error=error, text=trace.text, attempts=len(traces),
                 rate_limited=sum(t.http_status == 429 for t in traces),
                 finish_reason=trace.finish_reason if status == "ok" else None,
                 start_s=start_wall, unreachable=unreachable, **_with_tpot(fields))


def _retrying(policy: Retry) -> AsyncRetrying:
    backoff = wait_exponential(multiplier=policy.initial_s, max=policy.max_s)

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        hint = getattr(error, "retry_after", None) or 0.0
        return min(max(backoff(state), hint), policy.max_s)

    return AsyncRetrying(stop=stop_after_attempt(policy.max_attempts), wait=wait,
                         retry=retry_if_exception(retryable), reraise=True)


def retryable(error: BaseException) -> bool:
    """429, 408 and 5xx answers, timeouts, connection errors and cut-off answers."""
    if isinstance(error, HttpStatusError):
        return error.code in RETRY_STATUS or error.code >= 500
    return isinstance(error, TimeoutError | aiohttp.ClientConnectionError
                      | aiohttp.ClientPayloadError)


async def _attempt(client: aiohttp.ClientSession, endpoint: Endpoint, item: WorkloadItem,
                   trace: _Trace, on_answer: Callable[[], None] | None = None) -> None:
    async with asyncio.timeout(endpoint.timeout_s), client.post(
        endpoint.url, json=endpoint.body(item), headers=endpoint.headers()
    ) as response:
        if on_answer is not None:
            on_answer()
        trace.http_status = response.status
        if response.status != 200:
            raise HttpStatusError(response.status, _message(await response.read()),
                                  _retry_after(response))
        if response.content_type == "application/json":
            _read_whole(json.loads(await response.read()), trace, endpoint.api)
            return
        async for line in response.content:
            _read_line(line, trace, endpoint.api)


def _read_line(line: bytes, trace: _Trace, api: str) -> None:
    """One server-sent-events line: a JSON chunk, `[DONE]`, or nothing of interest."""
    if not line.startswith(b"data:") or (data := line[5:].strip()) == b"[DONE]":
        return
    chunk = json.loads(data)
    if "error" in chunk:
        raise StreamError(f"error inside the stream: {_error_text(chunk)}")
    if chunk.get("usage"):
        trace.usage = chunk["usage"]
    for choice in chunk.get("choices") or []:
        trace.finish_reason = choice.get("finish_reason") or trace.finish_reason
        piece = (choice.get("delta") or {}).get("content") if api == "chat" else choice.get("text")
        if piece:
            trace.times.append(time.perf_counter())
            trace.parts.append(piece)


def _read_whole(body: dict[str, Any], trace: _Trace, api: str) -> None:
    """A server that ignored `stream=True`: one JSON body, no per-token times."""
    choice = (body.get("choices") or [{}])[0]
    text = (choice.get("message") or {}).get("content") if api == "chat" else choice.get("text")
    trace.parts.append(text or "")
    trace.usage, trace.finish_reason = body.get("usage"), choice.get("finish_reason")


def _message(body: bytes) -> str:
    """The server's error message (OpenAI and vLLM error bodies), else the raw body."""
    text = body.decode(errors="replace")
    try:
        return _error_text(json.loads(text))[:_MESSAGE_CHARS]
    except (ValueError, AttributeError):
        return text[:_MESSAGE_CHARS]


def _error_text(data: dict[str, Any]) -> str:
    error = data.get("error", data)
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])
    return json.dumps(data) if isinstance(error, dict) else str(error)


def _retry_after(response: aiohttp.ClientResponse) -> float | None:
    try:
        return float(response.headers["Retry-After"])
    except (KeyError, ValueError):
        return None


def _describe(error: BaseException, endpoint: Endpoint) -> tuple[str, str, bool]:
    """(status, error text, unreachable) of a request that failed for good; the text holds no
    credential (llmopt.redaction: URLs redacted, keys an error body echoes masked)."""
    status, text, unreachable = _described(error, endpoint)
    return status, mask(text), unreachable


def _described(error: BaseException, endpoint: Endpoint) -> tuple[str, str, bool]:
    if isinstance(error, HttpStatusError):
        text = f"HTTP {error.code} from {endpoint.url}: {error.message}"
        return f"http_{error.code}", text, False
    if isinstance(error, TimeoutError):
        limit = f"timeout_s={endpoint.timeout_s:g}"
        return "timeout", f"no complete answer within {limit} ({type(error).__name__})", False
    if isinstance(error, aiohttp.ClientConnectorError):
        return "error", f"cannot connect to {endpoint.base_url}: {error}", True
    return "error", f"{type(error).__name__}: {error}", False


def _timings(trace: _Trace, start: float, latency: float) -> dict[str, float | None]:
    gaps = [b - a for a, b in zip(trace.times, trace.times[1:], strict=False)]
    return {"latency_s": latency,
            "ttft_s": trace.times[0] - start if trace.times else None,
            "itl_mean_s": sum(gaps) / len(gaps) if gaps else None}


def _tokens(trace: _Trace, endpoint: Endpoint, item: WorkloadItem,
            counter: TokenCounter | None) -> dict[str, Any]:
    """Token counts from the server's usage, else from a client tokenizer."""
    prompt = endpoint.prompt_text(item)
    own = {"client_prompt_tokens": counter(prompt) if counter else None}
    usage = trace.usage or {}
    if all(isinstance(usage.get(key), int) for key in ("prompt_tokens", "completion_tokens")):
        cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens")
        return own | {"prompt_tokens": usage["prompt_tokens"], "cached_tokens": cached,
                      "output_tokens": usage["completion_tokens"], "usage_source": "server"}
    count = counter or tiktoken_counter()
    return own | {"prompt_tokens": count(prompt), "output_tokens": count(trace.text),
                  "usage_source": "client"}


def _with_tpot(fields: dict[str, Any]) -> dict[str, Any]:
    ttft, n = fields["ttft_s"], fields["output_tokens"]
    tpot = (fields["latency_s"] - ttft) / (n - 1) if ttft is not None and n > 1 else None
    return fields | {"tpot_s": tpot}
