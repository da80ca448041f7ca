"""`run`: replay a workload against an endpoint under a load profile. Where the parts meet.

Each stage of the profile sends the workload's items in order (each at most once per stage),
bounded by the profile's `max_requests` / `max_seconds`, with at most `slots()` requests in
flight and, for open loops, at the profile's arrival times. Every finished request is graded,
priced and appended to the results file as it finishes (`StageRunner._one`: in a closed loop
once the next request is under way); a resumed run skips the item ids a stage
already recorded, and the stages a session already finished.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
import urllib.parse
import urllib.request
from collections.abc import Callable, Coroutine, Iterator
from concurrent import futures
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

import aiohttp
import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from llmopt.bench.counter import TokenCounter
from llmopt.bench.endpoint import Endpoint
from llmopt.bench.profiles import LoadProfile, profile_from
from llmopt.bench.record import RequestRecord
from llmopt.bench.result import BenchResult
from llmopt.bench.scheduler import Grader, Session, StageRunner
from llmopt.bench.store import Existing, ResultsStore
from llmopt.config import explain
from llmopt.demo.grader import grade
from llmopt.errors import ConfigError
from llmopt.pricing import Price
from llmopt.serve.metrics import MetricsSnapshot
from llmopt.workload import WorkloadItem


class MetricsSource(Protocol):
    def metrics(self) -> MetricsSnapshot: ...


class RunOptions(BaseModel):
    """How `run` treats what it sends, apart from where and when: grading, pricing, results,
    early stop, /metrics, progress. One validated object from the CLI to the runner."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    grader: Grader = grade
    price: Price | None = None
    results_path: Path | None = None
    """A JSONL file the records are appended to as they finish (None: kept in memory)."""
    existing: Existing = "resume"
    """What to do with a `results_path` that holds an earlier run: "resume" it (item ids a
    stage already recorded are not sent), "overwrite" it, or "refuse" (ConfigError)."""
    stop_after_ok: int | None = Field(default=None, ge=1)
    """End each stage once this many measured requests succeeded (in-flight ones are awaited
    and flagged `wasted`)."""
    server: Any = None
    """A VllmServer (anything with `metrics()`) or a /metrics URL, scraped around each stage."""
    progress: bool = True
    on_record: Callable[[RequestRecord], None] | None = None
    token_counter: TokenCounter | None = None
    """The client's own tokenizer, for the prompt cross-check and for answers without usage
    (default: tiktoken cl100k_base estimates)."""


def run(endpoint: Endpoint, items: list[WorkloadItem], profile: LoadProfile | dict[str, Any],
        options: RunOptions | None = None, **fields: Any) -> BenchResult:
    """Run the benchmark and return its result; blocking, also inside a notebook's event loop.
    `options` (or its fields as keywords, which override it): see `RunOptions`."""
    return _blocking(arun(endpoint, items, profile, options, **fields))


async def arun(endpoint: Endpoint, items: list[WorkloadItem],
               profile: LoadProfile | dict[str, Any], options: RunOptions | None = None,
               **fields: Any) -> BenchResult:
    """`run` for callers that already run an event loop (`await arun(...)`)."""
    profile = profile_from(profile)
    options = _options(options, fields)
    _check(endpoint, items)
    session = Session(endpoint=endpoint, items=items,
                      store=ResultsStore(options.results_path, options.existing),
                      grader=options.grader, price=options.price,
                      stop_after_ok=options.stop_after_ok,
                      scrape=_scraper(options.server, endpoint.model),
                      progress=options.progress, on_record=options.on_record,
                      token_counter=options.token_counter)
    await session.check_metrics()
    async with _client(endpoint) as client:
        session.client = client
        rates: list[float | None] = []
        while (stage := profile.next_stage(rates)) is not None:
            await StageRunner(session, stage).execute()
            rates.append(session.rate(stage.label))
    store = session.store
    return BenchResult(records=store.records, stages=store.stages, path=store.path,
                       notes=session.notes)


def _blocking(coro: Coroutine[Any, Any, BenchResult]) -> BenchResult:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    return _in_worker_thread(coro)


def _in_worker_thread(coro: Coroutine[Any, Any, BenchResult]) -> BenchResult:
    """Run `coro` on a fresh loop in a worker thread (a notebook's own loop is busy); an
    interrupt of the waiting thread cancels the run there and waits until it has unwound.

    In the main thread, Python's SIGINT handler raises KeyboardInterrupt at whatever bytecode
    runs next, which may be a finalizer the garbage collector runs (`__del__`, a weakref
    callback): there the exception is printed as "Exception ignored" and lost. So while waiting
    we install a handler that only notes the interrupt, and raise it from this frame."""
    started, handle = threading.Event(), {}

    async def main() -> BenchResult:
        handle["loop"], handle["task"] = asyncio.get_running_loop(), asyncio.current_task()
        started.set()
        return await coro

    def cancel_and_unwind(future: futures.Future[BenchResult]) -> None:
        started.wait()
        handle["loop"].call_soon_threadsafe(handle["task"].cancel)
        with contextlib.suppress(asyncio.CancelledError):
            future.result()  # finished records are persisted as the run unwinds

    with ThreadPoolExecutor(1) as pool, _sigint_noted() as interrupted:
        future = pool.submit(asyncio.run, main())
        try:
            while not future.done() and not interrupted:
                futures.wait([future], timeout=0.1)  # short waits: the note is seen soon
        except KeyboardInterrupt:  # not the main thread, or a handler other than Python's
            cancel_and_unwind(future)
            raise
        if interrupted:
            cancel_and_unwind(future)
            raise KeyboardInterrupt
        return future.result()


@contextlib.contextmanager
def _sigint_noted() -> Iterator[list[int]]:
    """While inside, SIGINT appends to the yielded list instead of raising (only in the main
    thread, and only where Python's default handler is installed; elsewhere the list stays empty
    and a KeyboardInterrupt arrives as before). The handler takes no lock and raises nothing, so
    it is safe wherever it runs, a finalizer or a second signal included."""
    interrupted: list[int] = []
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        yield interrupted
        return
    previous = signal.signal(signal.SIGINT, lambda signum, frame: interrupted.append(signum))
    try:
        yield interrupted
    finally:
        signal.signal(signal.SIGINT, previous)


def _options(options: RunOptions | None, fields: dict[str, Any]) -> RunOptions:
    try:
        return RunOptions(**({**(dict(options) if options else {}), **fields}))
    except ValidationError as error:
        raise ConfigError(f"bad run options: {explain(error)}") from None


def _check(endpoint: Endpoint, items: list[WorkloadItem]) -> None:
    if not items:
        raise ConfigError("the workload has no items")
    ids = [item.id for item in items]
    if len(set(ids)) != len(ids):
        twice = sorted({i for i in ids if ids.count(i) > 1})[:5]
        raise ConfigError(f"workload item ids must be unique (results resume by id): {twice}")
    endpoint.headers()  # a missing API key fails now, before anything is sent


def _client(endpoint: Endpoint) -> aiohttp.ClientSession:
    """One connection pool without a size limit (the stage's slots bound concurrency); the
    whole-attempt limit is `endpoint.timeout_s` (in `request.send`), the connect limit 10 s.
    The environment's proxy is looked up once here, not per request (aiohttp's `trust_env`
    does it in a thread for every request)."""
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=min(10.0, endpoint.timeout_s))
    return aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0),
                                 proxy=env_proxy(endpoint.url))


def env_proxy(url: str) -> str | None:
    """The HTTP(S)_PROXY that applies to `url`, or None (no proxy set, or NO_PROXY names it)."""
    parts = urllib.parse.urlsplit(url)
    if urllib.request.proxy_bypass(parts.hostname or ""):
        return None
    return urllib.request.getproxies().get(parts.scheme)


def _scraper(server: MetricsSource | str | None,
             model: str) -> Callable[[], MetricsSnapshot] | None:
    if server is None:
        return None
    if isinstance(server, str):
        return lambda: scrape_url(server, model)
    return server.metrics


def scrape_url(url: str, model: str | None = None) -> MetricsSnapshot:
    """vLLM's /metrics at `url`, restricted to `model`'s series."""
    response = httpx.get(url, timeout=10.0)
    response.raise_for_status()
    return MetricsSnapshot.from_text(response.text, model_name=model)
