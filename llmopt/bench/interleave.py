"""Settings compared on a shared machine: warmed up, then sent in interleaved rounds.

Two settings measured one after the other are also measured at two different times, and on a
shared machine the load moves between them. `interleaved` warms every setting up first (its
first requests after start-up pay one-time costs that are not the setting's), then sends the
requests in rounds: round r holds items r, r + rounds, ... of every setting, the settings in an
order rotated by one each round, so a slow patch of the machine falls on all of them alike. Each
setting's rounds come back merged into one `BenchResult` (with every round's /metrics delta).

`beside` runs the common case where each setting is a server of its own: the baseline's server
stays up, and each candidate's server is started beside it, interleaved with it at every load
level, and stopped before the next one starts (two servers up at a time; an idle one takes no
CPU from the one being measured).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from llmopt.bench.endpoint import Endpoint
from llmopt.bench.profiles import ConcurrentProfile, Stage, SynchronousProfile
from llmopt.bench.result import BenchResult
from llmopt.bench.runner import MetricsSource, run
from llmopt.errors import ConfigError, ServerError
from llmopt.serve.server import VllmServer, serving
from llmopt.workload import WorkloadItem


class Arm(NamedTuple):
    """One setting under comparison: where its requests go and which requests they are."""

    endpoint: Endpoint
    items: list[WorkloadItem]
    server: MetricsSource | None = None
    """The server to scrape /metrics from around each round (None: no scrape)."""


def rounds_of(arms: dict[str, Arm], rounds: int) -> list[tuple[str, int, list[WorkloadItem]]]:
    """(setting, round, items) in sending order; empty chunks are left out."""
    if rounds < 1:
        raise ConfigError(f"rounds must be >= 1, got {rounds}")
    names = list(arms)
    order = []
    for r in range(rounds):
        for name in names[r % len(names):] + names[: r % len(names)]:
            if chunk := arms[name].items[r::rounds]:
                order.append((name, r, chunk))
    return order


def interleaved(arms: dict[str, Arm], *, concurrency: int = 1, rounds: int = 6,
                warmup: list[WorkloadItem], results_dir: str | Path,
                **run_args: Any) -> dict[str, BenchResult]:
    """Warm every arm up with `warmup` (at `concurrency`, not measured), then send each arm's
    items at `concurrency` in flight in interleaved rounds. One results file per arm and round
    under `results_dir`; `run_args` go to `llmopt.bench.run` (price, grader, ...)."""
    if not arms:
        raise ConfigError("interleaved needs at least one arm")
    if not warmup:
        raise ConfigError("give warm-up requests (not among the measured ones): a server's "
                          "first requests after start-up pay one-time costs")
    for arm in arms.values():
        run(arm.endpoint, warmup, _stage(concurrency, len(warmup)), progress=False, **run_args)
    parts: dict[str, list[BenchResult]] = {name: [] for name in arms}
    for name, r, chunk in rounds_of(arms, rounds):
        arm = arms[name]
        path = Path(results_dir) / f"{name}-round{r}.jsonl"
        parts[name].append(run(arm.endpoint, chunk, _stage(concurrency, len(chunk)),
                               results_path=path, existing="overwrite", server=arm.server,
                               progress=False, **run_args))
    return {name: merged(got) for name, got in parts.items()}


class Pair(NamedTuple):
    """A candidate and its baseline, measured interleaved on the same requests."""

    baseline: BenchResult
    candidate: BenchResult


def beside(baseline: VllmServer, candidates: dict[str, VllmServer],
           loads: dict[int, list[WorkloadItem]], *, warmup: list[WorkloadItem],
           results_dir: str | Path, endpoint: dict[str, Any] | None = None, rounds: int = 6,
           **run_args: Any) -> dict[str, dict[int, Pair] | ServerError]:
    """Each candidate's server started beside the (running) `baseline` server and compared
    with it at every load level of `loads` (requests in flight -> the requests sent), then
    stopped. A candidate whose server does not start, or stops answering, gets its error
    instead of results.
    `endpoint`: Endpoint options (max_tokens, ...); `run_args` go to `llmopt.bench.run`."""
    made: dict[str, dict[int, Pair] | ServerError] = {}
    for name, server in candidates.items():
        with serving({name: server}, keep_going=True) as failed:
            if name in failed:
                made[name] = failed[name]
                continue
            arms = {"baseline": _arm(baseline, endpoint), name: _arm(server, endpoint)}
            try:
                made[name] = {in_flight: _pair(arms, name, items, in_flight, rounds, warmup,
                                               Path(results_dir) / name / f"c{in_flight}",
                                               run_args)
                              for in_flight, items in loads.items()}
            except ServerError as error:  # it started, then stopped answering
                made[name] = error
    return made


def _pair(arms: dict[str, Arm], name: str, items: list[WorkloadItem], in_flight: int,
          rounds: int, warmup: list[WorkloadItem], results_dir: Path,
          run_args: dict[str, Any]) -> Pair:
    got = interleaved({k: arm._replace(items=items) for k, arm in arms.items()},
                      concurrency=in_flight, rounds=rounds, warmup=warmup,
                      results_dir=results_dir, **run_args)
    return Pair(got["baseline"], got[name])


def _arm(server: VllmServer, options: dict[str, Any] | None) -> Arm:
    endpoint = Endpoint.of(server, **(options or {}))
    return Arm(endpoint, [], server)


def merged(results: list[BenchResult]) -> BenchResult:
    """Several runs' records, stages and notes as one result."""
    return BenchResult(records=[x for r in results for x in r.records],
                       stages=[x for r in results for x in r.stages],
                       notes=[x for r in results for x in r.notes])


def _stage(concurrency: int, requests: int) -> Stage:
    if concurrency == 1:
        return SynchronousProfile(max_requests=requests)
    return ConcurrentProfile(concurrency=concurrency, max_requests=requests)
