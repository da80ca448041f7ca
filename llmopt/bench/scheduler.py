"""Run one stage: its schedule, bounded concurrency, early stop, records and /metrics delta.

`StageRunner` launches the stage's requests (closed loop: when one of `slots()` is free; open
loop: at the profile's arrival times), grades, prices and stores each one as it finishes (in a
closed loop, as soon as the request taking its slot is under way), and stops launching on the
stage's bound, a met early-stop goal or an unreachable endpoint.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp
import httpx
import pandas as pd
from tqdm.auto import tqdm

from llmopt.bench.counter import TokenCounter
from llmopt.bench.endpoint import Endpoint
from llmopt.bench.profiles import Stage
from llmopt.bench.record import RequestRecord, StageRun
from llmopt.bench.request import Reply, send
from llmopt.bench.store import ResultsStore
from llmopt.bench.summary import ok_rate
from llmopt.errors import ServerError
from llmopt.pricing import Price, request_cost
from llmopt.serve.metrics import MetricsDelta, MetricsSnapshot
from llmopt.workload import WorkloadItem

SETTLE_S = 5.0
"""How long to wait after a stage for /metrics to count its last requests."""


class GradeLike(Protocol):
    correct: bool
    fields: dict[str, bool]


Grader = Callable[[str, dict[str, Any]], GradeLike]
"""`grader(output, reference)`, e.g. `llmopt.demo.grader.grade`."""


@dataclass
class Session:
    """One `run` call: what every stage shares."""

    endpoint: Endpoint
    items: list[WorkloadItem]
    store: ResultsStore
    grader: Grader
    price: Price | None
    stop_after_ok: int | None
    scrape: Callable[[], MetricsSnapshot] | None
    progress: bool
    on_record: Callable[[RequestRecord], None] | None
    token_counter: TokenCounter | None
    client: aiohttp.ClientSession | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    any_ok: bool = False
    notes: list[str] = field(default_factory=list)

    async def check_metrics(self) -> None:
        """Fail before sending anything when the metrics source cannot be read."""
        if self.scrape is not None:
            try:
                await asyncio.to_thread(self.scrape)
            except (httpx.HTTPError, ServerError) as error:
                raise ServerError(f"cannot read the server's /metrics: {error}") from None

    async def snapshot(self) -> MetricsSnapshot | None:
        if self.scrape is None:
            return None
        try:
            return await asyncio.to_thread(self.scrape)
        except (httpx.HTTPError, ServerError) as error:
            self.notes.append(f"/metrics unreadable ({error}); no token check for this stage")
            return None

    def rate(self, stage: str) -> float | None:
        rows = self.store.of_stage(stage)
        if not rows:
            return None
        return ok_rate(pd.DataFrame([r.model_dump() for r in rows]))


class StageRunner:
    """Runs one stage: schedule, bounded concurrency, early stop, records, metrics."""

    def __init__(self, session: Session, stage: Stage) -> None:
        self.session, self.stage, self.label = session, stage, stage.label
        limit = stage.max_requests or len(session.items)
        done = session.store.done_ids(self.label)
        self.todo = [(i, item) for i, item in enumerate(session.items[:limit])
                     if item.id not in done]
        self.ok = sum(r.ok and not r.warmup for r in session.store.of_stage(self.label))
        self.goal_met = self._goal_reached()
        self.stop = asyncio.Event()
        self.sent, self.wasted = 0, 0
        self.unreachable: str | None = None
        self.answered, self.unanswered, self.launching = 0, 0, True  # for `_one`'s hand-over
        self.progress = asyncio.Event()
        self.hand_over = False

    async def execute(self) -> None:
        store = self.session.store
        if store.finished(self.label):
            return
        if not self.todo or self.goal_met:  # the records are all there: mark it finished
            store.add_stage(self._stage_run(time.time(), None, None))
            return
        before, started = await self.session.snapshot(), time.time()
        with tqdm(total=len(self.todo), desc=self.label, unit="req",
                  disable=not self.session.progress) as bar:
            await self._send_all(bar)
        metrics = await self._settled(before)
        note = self._note()
        if note is not None:
            self.session.notes.append(note)
        store.add_stage(self._stage_run(started, metrics, note))
        if self.unreachable is not None:
            raise ServerError(f"{self.unreachable}; stopped sending (records in "
                              f"{store.path or 'memory'})")

    async def _send_all(self, bar: tqdm) -> None:
        """Launch requests on schedule; a request task that raises stops the stage."""
        try:
            async with asyncio.TaskGroup() as group:
                await self._launch(group, bar)
        except BaseExceptionGroup as errors:  # e.g. an on_record callback that raised
            raise errors.exceptions[0] from None

    async def _launch(self, group: asyncio.TaskGroup, bar: tqdm) -> None:
        try:
            await self._launch_all(group, bar)
        finally:
            self.launching = False
            self.progress.set()

    async def _launch_all(self, group: asyncio.TaskGroup, bar: tqdm) -> None:
        offsets = self.stage.arrivals(len(self.todo))
        slots = self.stage.slots()
        limit = asyncio.Semaphore(slots) if slots else None
        self.hand_over = offsets is None and slots is not None and self.session.on_record is None
        start, wall = time.perf_counter(), time.time()
        deadline = start + (self.stage.max_seconds or math.inf)
        for n, (index, item) in enumerate(self.todo):
            if offsets is not None and not await self._wait(start + offsets[n], deadline):
                return
            if limit is not None:
                await limit.acquire()
            if self._stopping(deadline):
                if limit is not None:
                    limit.release()
                return
            scheduled = None if offsets is None else wall + offsets[n]
            self.unanswered += 1
            group.create_task(self._one(index, item, scheduled, limit, bar))
            self.sent += 1

    async def _wait(self, moment: float, deadline: float) -> bool:
        """Sleep until `moment` unless stopped first; False when sending must stop."""
        delay = min(moment, deadline) - time.perf_counter()
        if delay > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), delay)
        return not self._stopping(deadline)

    def _stopping(self, deadline: float) -> bool:
        return self.stop.is_set() or time.perf_counter() >= deadline

    async def _one(self, index: int, item: WorkloadItem, scheduled: float | None,
                   limit: asyncio.Semaphore | None, bar: tqdm) -> None:
        """Send one request; then decide on stopping, free the slot, and keep the record.

        In a closed loop without an `on_record` callback the record's bookkeeping (grading,
        pricing, the JSONL line, the progress bar) waits until the request taking the freed
        slot has its answer under way, so it never delays that request (at one stream it
        would). It still happens for every finished request, on cancellation too."""
        answered = False

        def on_answer() -> None:  # the first call counts
            nonlocal answered
            if not answered:
                answered = True
                self._answered()

        try:
            reply = await send(self.session.client, self.session.endpoint, item,
                               token_counter=self.session.token_counter, on_answer=on_answer)
        except BaseException:
            if limit is not None:
                limit.release()
            raise
        warmup, wasted, seen = index < self.stage.warmup, self.goal_met, self.answered
        self._account(reply, warmup, wasted)
        if limit is not None:
            limit.release()
        try:
            if self.hand_over:
                await self._next_under_way(seen)
        finally:
            record = self._record(index, item, scheduled, reply, warmup, wasted)
            self.session.store.append(record)
            bar.update(1)
            if self.session.on_record is not None:
                self.session.on_record(record)

    def _answered(self) -> None:
        """`send`'s signal: a request's server answered (or the request failed)."""
        self.answered += 1
        self.unanswered -= 1
        self.progress.set()

    async def _next_under_way(self, seen: int) -> None:
        """Wait until another request got its answer under way, or none will be."""
        while (self.answered == seen and (self.launching or self.unanswered)
               and not self.stop.is_set()):
            self.progress.clear()
            await self.progress.wait()

    def _record(self, index: int, item: WorkloadItem, scheduled: float | None, reply: Reply,
                warmup: bool, wasted: bool) -> RequestRecord:
        session = self.session
        return RequestRecord(
            id=item.id, tier=item.tier, stage=self.label, concurrency=self.stage.slots(),
            target_rate=self.stage.target_rate, warmup=warmup,
            wasted=wasted, session=session.id, model=session.endpoint.model,
            scheduled_s=scheduled, end_s=reply.start_s + reply.latency_s,
            cost_usd=cost_of(session.price, reply), **verdict(session.grader, item, reply),
            **reply.model_dump(exclude={"unreachable"}),
        )

    def _account(self, reply: Reply, warmup: bool, wasted: bool) -> None:
        """Count successes, mark waste, and stop on a met goal or an unreachable endpoint."""
        ok = reply.status == "ok"
        self.wasted += wasted
        self.session.any_ok |= ok
        self.ok += ok and not warmup
        if not self.goal_met and self._goal_reached():
            self.goal_met = True
            self.stop.set()
        if reply.unreachable and not self.session.any_ok:
            self.unreachable = reply.error
            self.stop.set()
        if self.stop.is_set():
            self.progress.set()

    def _goal_reached(self) -> bool:
        goal = self.session.stop_after_ok
        return goal is not None and self.ok >= goal

    async def _settled(self, before: MetricsSnapshot | None) -> MetricsDelta | None:
        """The /metrics delta once the server counted this stage's successful requests."""
        if before is None:
            return None
        expected = sum(r.ok for r in self.session.store.of_stage(self.label)
                       if r.session == self.session.id)
        deadline = time.monotonic() + SETTLE_S
        while (after := await self.session.snapshot()) is not None:
            delta = after - before
            if delta.request_success >= expected or time.monotonic() > deadline:
                return delta
            await asyncio.sleep(0.2)
        return None

    def _note(self) -> str | None:
        if self.unreachable is not None:
            return f"endpoint unreachable: {self.unreachable}"
        if self.ok == 0:
            return f"stage {self.label}: no measured request succeeded"
        return None

    def _stage_run(self, started: float, metrics: MetricsDelta | None,
                   note: str | None) -> StageRun:
        return StageRun(stage=self.label, profile=self.stage.model_dump(), session=self.session.id,
                        started_s=started, ended_s=time.time(), sent=self.sent,
                        wasted=self.wasted, finished=self.unreachable is None, metrics=metrics,
                        note=note)


def verdict(grader: Grader, item: WorkloadItem, reply: Reply) -> dict[str, Any]:
    """Correctness: None without a reference, False for a failed request, else the grader's."""
    if item.reference is None:
        return {"correct": None, "fields_ok": None}
    if reply.status != "ok":
        return {"correct": False, "fields_ok": None}
    graded = grader(reply.text, item.reference)
    fields = getattr(graded, "fields", None)
    return {"correct": bool(graded.correct),
            "fields_ok": None if fields is None else {k: bool(v) for k, v in fields.items()}}


def cost_of(price: Price | None, reply: Reply) -> float | None:
    """Dollars for the request's final attempt (see `llmopt.bench.record` for failures)."""
    if price is None:
        return None
    cached = min(reply.cached_tokens or 0, reply.prompt_tokens)
    return request_cost(price, reply.prompt_tokens, cached, reply.output_tokens)
