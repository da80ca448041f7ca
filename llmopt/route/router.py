"""`RouterChatModel`: a LangChain chat model that routes each call among ordered tiers.

Tiers run cheap to strong. A scorer's number picks the tier (score >= thresholds[i] -> tier
i + 1), or a cascade answers with the cheapest tier and escalates while a check fails. Each
call then runs the fallback order (routed tier first, then the task type's ranked list, models
in cooldown skipped), retrying with backoff where the error class allows, under an optional
hard budget. Every attempt is kept in `attempts` with its cost.

Streams: `stream_mode="live"` (default) passes each chunk on as the tier produces it. A stream
that fails before its first chunk is retried and falls back like a call; one that breaks after
it raises StreamBroken: the caller keeps the tokens it got and learns they are not a whole
answer (never a spliced one). `"whole"` holds each attempt's chunks until its stream ends and
only then passes them on, so a stream that breaks mid-answer falls back too and the caller sees
one whole answer, at the cost of getting no token before the last.

The caller sees one LLM run per call, the router's: the tiers are called without the caller's
callbacks, so LangChain's usage callback and `SpendTracker` count each call's usage once, priced
as the tier that answered (`response_metadata["model_name"]`; `"routed_to"` names the tier, on
the first chunk of a stream only, since LangChain joins chunks' strings). Every attempt, failed
ones included, stays in `attempts`.

Tools and structured output: `bind_tools` binds the tools on every tier (each with its own
`bind_tools`), so whichever tier answers, after fallback too, its calls come back as the
message's `tool_calls`; LangChain's `with_structured_output` builds on it. A cascade checks the
cheap tier's text, so it is for answers, not tool calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator, Generator, Iterator, Sequence
from contextvars import ContextVar
from typing import Any, Literal

from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from langchain_core.language_models import BaseChatModel, LangSmithParams, LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable, RunnableConfig, ensure_config
from pydantic import ConfigDict, Field, PrivateAttr, model_validator

from llmopt.errors import ConfigError
from llmopt.route.budget import Budget
from llmopt.route.call import Call
from llmopt.route.errors import (
    FALLS_BACK,
    RETRIED,
    AllTiersFailed,
    EarlyStopped,
    StreamBroken,
    classify,
    described,
)
from llmopt.route.fallback import DEFAULT_TASK, Attempt, Cooldown, FallbackPolicy
from llmopt.route.messages import aas_chunk, as_chunk, checked, joined, result
from llmopt.route.scorers.base import Scorer
from llmopt.route.scorers.cascade import Cascade, token_logprobs
from llmopt.route.scorers.early_stop import EarlyStop
from llmopt.route.tier import Tier

_STREAM_CONFIG: ContextVar[RunnableConfig | None] = ContextVar("llmopt_route_stream_config",
                                                              default=None)
"""The caller's config during stream()/astream(): LangChain calls `_stream` without its run
manager, so the tiers' calls take handlers and metadata (task_type, request_id) from here."""
ROUTER_PROVIDER = "llmopt-router"
"""`ls_provider` of the router's own runs (the spend callback prices the tiers' runs only)."""


class RouterChatModel(BaseChatModel):
    """Routes each call to one of `tiers` (cheap first), with fallback, cooldown and budget."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    tiers: list[Tier] = Field(min_length=1)
    scorer: Scorer | None = None
    thresholds: list[float] = Field(default_factory=list)
    """Ascending, one fewer than tiers; score >= thresholds[i] routes to tier i + 1."""
    cascade: Cascade | None = None
    policy: FallbackPolicy = Field(default_factory=FallbackPolicy)
    budget: Budget | None = None
    stream_mode: Literal["live", "whole"] = "live"

    _attempts: list[Attempt] = PrivateAttr(default_factory=list)
    _cooldown: Cooldown | None = PrivateAttr(default=None)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @model_validator(mode="after")
    def _check(self) -> RouterChatModel:
        names = [t.name for t in self.tiers]
        if len(set(names)) != len(names):
            raise ConfigError(f"tier names must be unique, got {names}")
        if self.scorer is not None and len(self.thresholds) != len(self.tiers) - 1:
            raise ConfigError(f"{len(self.tiers)} tiers need {len(self.tiers) - 1} thresholds, "
                              f"got {self.thresholds}")
        if self.thresholds != sorted(self.thresholds):
            raise ConfigError(f"thresholds must ascend, got {self.thresholds}")
        for task in self.policy.chains:
            self.policy.order(self.policy.chains[task][0], names, task)
        self._cooldown = Cooldown(self.policy.cooldown_s)
        return self

    # --- LangChain plumbing ----------------------------------------------------------------

    @property
    def _llm_type(self) -> str:
        return ROUTER_PROVIDER

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"tiers": [t.name for t in self.tiers], "thresholds": self.thresholds,
                "scorer": self.scorer.kind if self.scorer else None,
                "cascade": self.cascade is not None, "stream_mode": self.stream_mode}

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        return LangSmithParams(ls_provider=ROUTER_PROVIDER,
                               ls_model_name=str(kwargs.get("model", "router")),
                               ls_model_type="chat")

    @property
    def attempts(self) -> list[Attempt]:
        """Every attempt so far, in the order they ended."""
        with self._lock:
            return list(self._attempts)

    @property
    def cooldown(self) -> Cooldown:
        assert self._cooldown is not None  # set by the validator
        return self._cooldown

    def tier(self, name: str) -> Tier:
        for t in self.tiers:
            if t.name == name:
                return t
        raise ConfigError(f"unknown tier {name!r}; tiers: {[t.name for t in self.tiers]}")

    # --- tools and structured output -------------------------------------------------------

    def bind_tools(self, tools: Sequence[Any], *, tool_choice: Any = None,
                   **kwargs: Any) -> Runnable[LanguageModelInput, AIMessage]:
        """This router with `tools` bound on every tier by the tier's own `bind_tools` (each
        provider gets its format; `tool_choice` and `kwargs` pass as it takes them); ConfigError
        naming a tier whose model cannot call tools. The answering tier's tool calls come back
        as the message's `tool_calls`, through fallback and streams alike. The bound router
        shares this one's attempts, cooldown and budget. LangChain's `with_structured_output`
        builds on this: one tool, forced (tool_choice "any"), its call parsed."""
        traced = {k: kwargs.pop(k) for k in list(kwargs) if k.startswith("ls_")}
        tiers = [tier.with_tools(tools, tool_choice, kwargs) for tier in self.tiers]
        return self.model_copy(update={"tiers": tiers}).bind(**traced)

    # --- routing ---------------------------------------------------------------------------

    def route(self, messages: Sequence[BaseMessage]) -> int:
        """Index of the tier the scorer picks (0, the cheapest, without a scorer)."""
        if self.scorer is None:
            return 0
        score = self.scorer.score(messages)
        return sum(score >= t for t in self.thresholds)

    def _order(self, index: int, run_manager: Any) -> tuple[list[Tier], dict[str, str]]:
        metadata = _caller_metadata(run_manager)
        task = str(metadata.get("task_type", DEFAULT_TASK))
        names = self.policy.order(self.tiers[index].name, [t.name for t in self.tiers], task)
        about = {"task": task, "request": str(metadata.get("request_id", ""))}
        return [self.tier(n) for n in self.cooldown.available(names)], about

    # --- generate --------------------------------------------------------------------------

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None,
                  **kwargs: Any) -> ChatResult:
        index = self.route(messages)
        while True:
            if self._watching(index):
                message, tier = self._watched(index, messages, stop, run_manager, kwargs)
            else:
                message, tier = self._fallback(index, messages, stop, run_manager, kwargs)
            if message is not None and self._escalation(message, index) is None:
                return result(message, tier)
            index += 1

    async def _agenerate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                         run_manager: AsyncCallbackManagerForLLMRun | None = None,
                         **kwargs: Any) -> ChatResult:
        index = self.route(messages)
        while True:
            if self._watching(index):
                message, tier = await self._awatched(index, messages, stop, run_manager, kwargs)
            else:
                message, tier = await self._afallback(index, messages, stop, run_manager, kwargs)
            if message is not None and self._escalation(message, index) is None:
                return result(message, tier)
            index += 1

    def _escalation(self, message: AIMessage, index: int) -> str | None:
        if self.cascade is None or index >= len(self.tiers) - 1:
            return None
        return self.cascade.escalation_reason(message)

    # --- the cascade's early stop: the cheap answer streamed and watched ------------------

    def _watching(self, index: int) -> bool:
        return (self.cascade is not None and self.cascade.early_stop is not None
                and index < len(self.tiers) - 1)

    def _watched(self, index: int, messages: list[BaseMessage], stop: list[str] | None,
                 run_manager: Any, kwargs: dict) -> tuple[AIMessage | None, Tier]:
        """The answer at `index`, streamed under the early stop (fallback and retries as for a
        call): (the whole answer, its tier), or (None, its tier) once the rule aborted it; the
        abort closes the stream, so the server stops generating it."""
        order, about = self._order(index, run_manager)
        tries, error = self._tries(order), None
        while True:
            tier, wait = tries.send(error)
            time.sleep(wait)
            call = self._call(tier, about, messages, kwargs).reserve()
            watch = self._watch(index, tier)
            try:
                with contextlib.closing(tier.stream(messages, stop, kwargs)) as stream:
                    for chunk in stream:
                        if watch.aborts(checked(chunk, AIMessageChunk)):
                            break
            except Exception as exc:  # noqa: BLE001 - sorted by the core
                error = watch.failed(call, exc)
                continue
            return watch.ended(call), tier

    def _watch(self, index: int, tier: Tier) -> _Watch:
        """The watch over `tier`'s answer: under the rule for the cascade's tier at `index`;
        a tier the fallback order brought in instead is not judged by that tier's rule."""
        assert self.cascade is not None and self.cascade.early_stop is not None
        judged = tier.name == self.tiers[index].name
        return _Watch(self.cascade.early_stop if judged else None, tier)

    async def _awatched(self, index: int, messages: list[BaseMessage], stop: list[str] | None,
                        run_manager: Any, kwargs: dict) -> tuple[AIMessage | None, Tier]:
        order, about = self._order(index, run_manager)
        tries, error = self._tries(order), None
        while True:
            tier, wait = tries.send(error)
            await asyncio.sleep(wait)
            call = await self._call(tier, about, messages, kwargs).areserve()
            watch = self._watch(index, tier)
            stream = tier.astream(messages, stop, kwargs)
            try:
                async for chunk in stream:
                    if watch.aborts(checked(chunk, AIMessageChunk)):
                        break
            except Exception as exc:  # noqa: BLE001 - sorted by the core
                error = watch.failed(call, exc)
                continue
            finally:
                await stream.aclose()
            return watch.ended(call), tier

    # --- the attempt loop: one core, two drivers ------------------------------------------

    def _tries(self, order: list[Tier]) -> Generator[tuple[Tier, float], Exception, None]:
        """The fallback order with its retries, as decisions only: yields (tier, seconds to
        wait first) for each attempt and is sent the attempt's error. Retried, fallen back,
        cooled down or re-raised as llmopt.route.errors says; AllTiersFailed at the end of the
        order. A driver that gets an answer simply stops asking."""
        errors = []
        for tier in order:
            for retry in range(self.policy.retries + 1):
                error = yield tier, self.policy.wait_s(retry)
                kind = classify(error)
                if kind in RETRIED and retry < self.policy.retries:
                    continue
                if kind not in FALLS_BACK:
                    raise error
                self.cooldown.note(tier.name, kind)
                errors.append(f"{tier.name} at {tier.where}: {kind.value}: {described(error)}")
                break
        raise AllTiersFailed(_all_failed(order, errors), self.attempts, errors)

    def _fallback(self, index: int, messages: list[BaseMessage], stop: list[str] | None,
                  run_manager: Any, kwargs: dict) -> tuple[AIMessage, Tier]:
        order, about = self._order(index, run_manager)
        tries, error = self._tries(order), None
        while True:
            tier, wait = tries.send(error)
            time.sleep(wait)
            try:
                return self._once(tier, about, messages, stop, kwargs), tier
            except Exception as exc:  # noqa: BLE001 - sorted by the core
                error = exc

    async def _afallback(self, index: int, messages: list[BaseMessage], stop: list[str] | None,
                         run_manager: Any, kwargs: dict) -> tuple[AIMessage, Tier]:
        order, about = self._order(index, run_manager)
        tries, error = self._tries(order), None
        while True:
            tier, wait = tries.send(error)
            await asyncio.sleep(wait)
            try:
                message = await self._aonce(tier, about, messages, stop, kwargs)
                return message, tier
            except Exception as exc:  # noqa: BLE001 - sorted by the core
                error = exc

    def _once(self, tier: Tier, about: dict[str, str], messages: list[BaseMessage],
              stop: list[str] | None, kwargs: dict) -> AIMessage:
        call = self._call(tier, about, messages, kwargs).reserve()
        try:
            message = tier.invoke(messages, stop, kwargs)
            return call.done(checked(message))
        except BaseException as exc:
            call.fail(exc)
            raise

    async def _aonce(self, tier: Tier, about: dict[str, str], messages: list[BaseMessage],
                     stop: list[str] | None, kwargs: dict) -> AIMessage:
        call = await self._call(tier, about, messages, kwargs).areserve()
        try:
            message = await tier.ainvoke(messages, stop, kwargs)
            return call.done(checked(message))
        except BaseException as exc:
            call.fail(exc)
            raise

    def _call(self, tier: Tier, about: dict[str, str], messages: list[BaseMessage],
              kwargs: dict) -> Call:
        return Call(tier, about, messages, kwargs, self.budget, self._record)

    def _record(self, attempt: Attempt) -> None:
        with self._lock:
            self._attempts.append(attempt)

    # --- stream ----------------------------------------------------------------------------

    def stream(self, input: Any, config: RunnableConfig | None = None, *,
               stop: list[str] | None = None, **kwargs: Any) -> Iterator[AIMessageChunk]:
        token = _STREAM_CONFIG.set(ensure_config(config))
        try:
            yield from super().stream(input, config, stop=stop, **kwargs)
        finally:
            with contextlib.suppress(ValueError):  # finalised in another context
                _STREAM_CONFIG.reset(token)

    async def astream(self, input: Any, config: RunnableConfig | None = None, *,
                      stop: list[str] | None = None, **kwargs: Any
                      ) -> AsyncIterator[AIMessageChunk]:
        token = _STREAM_CONFIG.set(ensure_config(config))
        try:
            async for chunk in super().astream(input, config, stop=stop, **kwargs):
                yield chunk
        finally:
            with contextlib.suppress(ValueError):
                _STREAM_CONFIG.reset(token)

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None,
                **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        index = self.route(messages)
        if self.cascade is not None:  # a cascade must see the whole cheap answer first
            result = self._generate(messages, stop, run_manager, **kwargs)
            yield as_chunk(result.generations[0].message, run_manager)
            return
        order, about = self._order(index, run_manager)
        tries, error = self._tries(order), None
        while True:
            tier, wait = tries.send(error)
            time.sleep(wait)
            call = self._call(tier, about, messages, kwargs).reserve()
            chunks: list[AIMessageChunk] = []
            try:
                for chunk in tier.stream(messages, stop, kwargs):
                    chunks.append(checked(chunk, AIMessageChunk))
                    if self.stream_mode == "live":
                        yield as_chunk(chunk, run_manager, tier, first=len(chunks) == 1)
            except Exception as exc:  # noqa: BLE001 - sorted by the core
                error = self._broken(call, tier, exc, chunks)
                continue
            for n, chunk in enumerate(self._finished(call, chunks)):
                yield as_chunk(chunk, run_manager, tier, first=n == 0)
            return

    async def _astream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                       run_manager: AsyncCallbackManagerForLLMRun | None = None,
                       **kwargs: Any) -> AsyncIterator[ChatGenerationChunk]:
        index = self.route(messages)
        if self.cascade is not None:
            result = await self._agenerate(messages, stop, run_manager, **kwargs)
            yield await aas_chunk(result.generations[0].message, run_manager)
            return
        order, about = self._order(index, run_manager)
        tries, error = self._tries(order), None
        while True:
            tier, wait = tries.send(error)
            await asyncio.sleep(wait)
            call = await self._call(tier, about, messages, kwargs).areserve()
            chunks: list[AIMessageChunk] = []
            try:
                async for chunk in tier.astream(messages, stop, kwargs):
                    chunks.append(checked(chunk, AIMessageChunk))
                    if self.stream_mode == "live":
                        yield await aas_chunk(chunk, run_manager, tier, first=len(chunks) == 1)
            except Exception as exc:  # noqa: BLE001 - sorted by the core
                error = self._broken(call, tier, exc, chunks)
                continue
            for n, chunk in enumerate(self._finished(call, chunks)):
                yield await aas_chunk(chunk, run_manager, tier, first=n == 0)
            return

    def _finished(self, call: Call, chunks: list[AIMessageChunk]) -> list[AIMessageChunk]:
        """A stream attempt that ended well, recorded: the chunks still to pass on (all of
        them when streaming whole answers; none live, they went already)."""
        call.done(joined(chunks))
        return chunks if self.stream_mode == "whole" else []

    def _broken(self, call: Call, tier: Tier, exc: Exception,
                chunks: list[AIMessageChunk]) -> Exception:
        """A failed stream attempt, recorded: the error for the core (a break after the first
        tokens is StreamBroken); raised at once when live chunks already reached the caller."""
        failure = StreamBroken(f"{tier.name}: {exc}") if chunks else exc
        call.fail(failure, streamed=len(chunks))
        if chunks and self.stream_mode == "live":
            raise failure from exc
        return failure


class _Watch:
    """One streamed answer under an early stop: its chunks, its tokens' log-probabilities and
    whether the rule tripped."""

    def __init__(self, rule: EarlyStop | None, tier: Tier) -> None:
        self.rule, self.tier = rule, tier
        self.chunks: list[AIMessageChunk] = []
        self.logprobs: list[float] = []
        self.tripped = False

    def aborts(self, chunk: AIMessageChunk) -> bool:
        self.chunks.append(chunk)
        if self.rule is None:
            return False
        values = token_logprobs(chunk)
        if chunk.content and not values:
            raise ConfigError(f"tier {self.tier.name!r} streams no log-probabilities, which the "
                              "early stop watches: build its model with logprobs=True")
        self.logprobs += values
        self.tripped = bool(values) and self.rule.aborts(self.logprobs)
        return self.tripped

    def failed(self, call: Call, exc: Exception) -> Exception:
        """A failed attempt, recorded; the error for the core (a misconfiguration raised)."""
        failure = StreamBroken(f"{self.tier.name}: {exc}") if self.chunks else exc
        call.fail(failure, streamed=len(self.logprobs) or len(self.chunks))
        if isinstance(exc, ConfigError):
            raise exc
        return failure

    def ended(self, call: Call) -> AIMessage | None:
        """The whole answer, recorded; None for an aborted one, recorded as early_stop with the
        prompt and the tokens generated up to the abort."""
        if not self.tripped:
            return call.done(joined(self.chunks))
        assert self.rule is not None  # only a rule trips
        call.fail(EarlyStopped(f"mean log-probability of the last {self.rule.window} tokens "
                               f"below {self.rule.min_logprob:g} after {len(self.logprobs)} "
                               "tokens"), streamed=len(self.logprobs))
        return None


def _caller_metadata(run_manager: Any) -> dict[str, Any]:
    if run_manager is not None:
        return run_manager.metadata or {}
    return (_STREAM_CONFIG.get() or {}).get("metadata") or {}


def _all_failed(order: list[Tier], errors: list[str]) -> str:
    return (f"every model in the fallback order {[t.name for t in order]} failed: "
            f"{'; '.join(errors)}")
