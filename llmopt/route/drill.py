"""A fallback drill: run requests through a router while a callback stops the primary model's
server after its N-th answer, then count what fell back and what it cost in latency.

`KillAfter` is a LangChain callback: when N calls priced as `model` have ended it calls `stop`
(e.g. `VllmServer.kill`, a crash; or `VllmServer.stop`) in a thread of its own, so the
requests in flight meet a dying server.
`run_routed` sends every request through the router (streamed, so a stream that breaks
mid-answer is exercised) and returns one row per request; `drill_summary` sums them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pandas as pd
from langchain_core.callbacks import BaseCallbackHandler

from llmopt.errors import ConfigError
from llmopt.evidence import Evidence, exact_change, paired_quality, ratio_change
from llmopt.route.budget import Budget
from llmopt.route.messages import answered_by
from llmopt.route.router import RouterChatModel
from llmopt.workload import WorkloadItem


class KillAfter(BaseCallbackHandler):
    """Calls `stop` (once, in its own thread) after `n` calls answered by `model` have ended
    (the router's runs, priced as the tier that answered)."""

    def __init__(self, n: int, model: str, stop: Callable[[], Any]) -> None:
        self.n, self.model, self.stop = n, model, stop
        self.seen = 0
        self.fired = threading.Event()
        self.stopped = threading.Event()
        self._lock = threading.Lock()

    def on_llm_end(self, response: Any, **kwargs: Any) -> None:
        if answered_by(response) != self.model:
            return
        with self._lock:
            self.seen += 1
            due = self.seen >= self.n and not self.fired.is_set()
            if due:
                self.fired.set()
        if due:
            threading.Thread(target=self._stop, daemon=True).start()

    def _stop(self) -> None:
        try:
            self.stop()
        finally:
            self.stopped.set()


def run_routed(router: RouterChatModel, items: Sequence[WorkloadItem], concurrency: int = 4,
               callbacks: Sequence[BaseCallbackHandler] = (),
               metadata: Callable[[int, WorkloadItem], dict[str, Any]] | None = None
               ) -> pd.DataFrame:
    """Stream every item through `router`; one row each: id, answer, latency_s, error.
    `metadata(i, item)` adds tags to request i (feature, tenant, task_type)."""

    def one(pair: tuple[int, WorkloadItem]) -> dict[str, Any]:
        i, item = pair
        tags = metadata(i, item) if metadata else {}
        config = {"callbacks": list(callbacks), "metadata": {**tags, "request_id": item.id}}
        start = time.perf_counter()
        try:
            text = "".join(c.text for c in router.stream(item.messages(), config=config))
            error = None
        except Exception as exc:  # noqa: BLE001 - a failed request is data
            text, error = "", f"{type(exc).__name__}: {exc}"
        return {"id": item.id, "answer": text, "latency_s": time.perf_counter() - start,
                "error": error}

    with ThreadPoolExecutor(concurrency) as pool:
        return pd.DataFrame(list(pool.map(one, enumerate(items))))


def run_each(routers: dict[str, RouterChatModel], items: Sequence[WorkloadItem], metered: Any,
             concurrency: int = 1) -> tuple[dict[str, pd.DataFrame], dict[str, float]]:
    """Each router's run over `items` (`run_routed`), one router after the other, and the output
    tokens the server `metered` (a VllmServer) generated during each: what a router made a
    server write, aborted answers included, on the server's own counter."""
    runs, generated = {}, {}
    for name, router in routers.items():
        before = metered.metrics()
        runs[name] = run_routed(router, items, concurrency)
        generated[name] = (metered.metrics() - before).generation_tokens
    return runs, generated


def attempts_frame(router: RouterChatModel) -> pd.DataFrame:
    """Every attempt the router recorded, one row each."""
    return pd.DataFrame([a.model_dump() for a in router.attempts])


def live_point(runs: pd.DataFrame, attempts: pd.DataFrame, correct: Sequence[bool],
               strong: str = "strong") -> dict[str, float]:
    """A routed run as a point of the cost-quality table: share of requests the `strong` tier
    answered (a cascade's escalations included), accuracy of the answers, $/1M requests (every
    attempt paid: a cascade's cheap answer, an early-stopped one up to its abort, a broken
    stream up to its break) and median latency."""
    mine = attempts[attempts["request"].isin(set(runs["id"]))]
    answered = mine[mine["ok"]]
    return {"share_strong": float((answered["tier"] == strong).sum() / len(runs)),
            "accuracy": float(pd.Series(correct, dtype=float).mean()),
            "usd_per_million_requests": 1e6 * float(mine["cost_usd"].sum()) / len(runs),
            "latency_p50_s": float(runs["latency_s"].median())}


def per_request(runs: pd.DataFrame, attempts: pd.DataFrame, correct: Sequence[bool],
                items: Sequence[WorkloadItem]) -> pd.DataFrame:
    """A routed run one row per request id: its workload `tier`, `correct`, `cost_usd` (every
    attempt paid, as in `live_point`) and `latency_s`: the baseline `live_evidence` takes, so
    one routed run can be compared with another."""
    paid = attempts.groupby("request")["cost_usd"].sum()
    tiers = {item.id: item.tier for item in items}
    return pd.DataFrame({"tier": [tiers[i] for i in runs["id"]], "correct": list(correct),
                         "cost_usd": paid.reindex(runs["id"]).fillna(0.0).to_numpy(),
                         "latency_s": runs["latency_s"].to_numpy()}, index=runs["id"].to_numpy())


def live_evidence(runs: pd.DataFrame, attempts: pd.DataFrame, correct: Sequence[bool],
                  baseline: pd.DataFrame) -> Evidence:
    """A routed run against sending every request to one tier (`baseline`: indexed by request
    id, with `tier`, `correct`, `cost_usd` and `latency_s` of that tier's answers), on the same
    requests: accuracy paired per request and workload tier, the bill (every attempt paid, as in
    `live_point`) and the median latency with its interval (the two runs were not interleaved:
    read the latency as indicative)."""
    if set(runs["id"]) - set(baseline.index):
        raise ConfigError("the baseline lacks some of the routed requests; give one row per "
                          "routed request id")
    base = baseline.loc[runs["id"]]
    quality = paired_quality(base["correct"].astype(bool), list(correct),
                             tiers=base["tier"].astype(str))
    mine = attempts[attempts["request"].isin(set(runs["id"]))]
    cost = exact_change("$ per 1M requests", 1e6 * float(base["cost_usd"].mean()),
                        1e6 * float(mine["cost_usd"].sum()) / len(runs), n=len(runs))
    answered = runs["error"].isna().to_numpy()
    latency = ratio_change("latency p50", base["latency_s"][answered],
                           runs["latency_s"][answered])
    return Evidence(quality=quality, cost=cost, latency=latency)


def budget_summary(budget: Budget, runs: pd.DataFrame, attempts: pd.DataFrame
                   ) -> dict[str, float]:
    """How well a hard budget was used: admitted and refused requests, spend against the limit,
    how many calls the limit holds at the real mean cost, the reserved worst case over the real
    cost, and the limit left unused ($ and calls) when the budget stopped admitting."""
    ok = attempts[attempts["ok"]]
    actual = float(ok["cost_usd"].mean()) if len(ok) else float("nan")
    unused = budget.limit_usd - budget.spent_usd
    return {"limit_usd": budget.limit_usd, "spent_usd": budget.spent_usd,
            "spent_share": budget.spent_usd / budget.limit_usd,
            "admitted": int(runs["error"].isna().sum()), "refused": budget.refused,
            "waited": budget.waited, "fits_at_actual_cost": budget.limit_usd / actual,
            "worst_over_actual": float((ok["reserved_usd"] / ok["cost_usd"]).mean()),
            "largest_worst_usd": float(ok["reserved_usd"].max()),
            "unused_usd": unused, "unused_calls": unused / actual}


class DrillSummary(dict):
    """A drill's figures: a dict (saved as JSON, read by key) that a notebook shows as a table
    of one column, not as a dict's repr."""

    def _repr_html_(self) -> str:
        return pd.Series(self, name="drill", dtype=object).to_frame().to_html()


def drill_summary(runs: pd.DataFrame, attempts: pd.DataFrame) -> DrillSummary:
    """Requests, answered, fell back, failed attempts by class, and the latency the fallback
    added (median of requests that fell back minus median of those that did not)."""
    requests = set(runs["id"])
    mine = attempts[attempts["request"].isin(requests)]
    failed = mine[~mine["ok"]]
    fell_back = runs["id"].isin(set(failed["request"]))
    fb, direct = runs.loc[fell_back, "latency_s"], runs.loc[~fell_back, "latency_s"]
    added = (fb.median() - direct.median()) if len(fb) and len(direct) else float("nan")
    return DrillSummary(
        requests=len(runs), answered=int(runs["error"].isna().sum()),
        fell_back=int(fell_back.sum()), failed_attempts=len(failed),
        failed_attempt_cost_usd=float(failed["cost_usd"].sum()), added_latency_p50_s=float(added),
        **{f"errors_{k}": int(v) for k, v in failed["error_class"].value_counts().items()})
