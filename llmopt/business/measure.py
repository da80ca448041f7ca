"""Sending the held-out traffic under settings of the stack, on the real servers.

`Runner.measure(*settings)` sends every setting's requests interleaved (llmopt.bench: warmed up,
a compressed prompt with warm-up requests of its own so that its prefix is cached as the
uncompressed one is, then six rounds, the settings in a rotating order, at `concurrency` in
flight) and returns one
request-record frame per setting, each request billed at the API price of the tier that answered
it (`llmopt.business.figures.priced`). A setting is applied as its notebook applied it:

- the output cap is the endpoint's `max_tokens` (notebook 09);
- prompt compression compresses each request's system prompt with llmopt.compress (02);
- server options and another model start a server of their own through `start` (05, 06, 10,
  03, 11); where the profile starts none, llmopt.errors.NotApplicable says why;
- the router routes each request with notebook 08's scorer at its calibrated threshold: the
  scorer is fitted again on 08's calibration requests, answered again by the cheap tier (greedy:
  the same answers, so the same scorer), and each request is sent to the tier it picks;
- the response cache (07) sees the requests in arrival order: `cache.get` first, a hit is
  served from the cache (its measured lookup, nothing sent), a miss is the request this pass
  sent for the setting behind the cache, and its answer is stored. A setting that differs from
  another only by its cache sends nothing of its own.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from langchain_core.messages import convert_to_messages

from llmopt import compress
from llmopt.bench import (
    Arm,
    ConcurrentProfile,
    Endpoint,
    SynchronousProfile,
    interleaved,
    run,
)
from llmopt.business.figures import priced
from llmopt.business.stack import Setting
from llmopt.cache import FaissSemanticCache, SqliteCache
from llmopt.cache.base import ResponseCache
from llmopt.cache.replay import request_key
from llmopt.cache.sqlite import default_path
from llmopt.completions import complete
from llmopt.demo.grader import grade
from llmopt.errors import ConfigError
from llmopt.grading import with_references
from llmopt.pricing import Price, price_for
from llmopt.profile import Profile
from llmopt.route.scorers import EmbeddingScorer
from llmopt.route.scorers.base import request_text
from llmopt.serve import VllmServer
from llmopt.workload import WorkloadItem

NAMESPACE = "12_business_case"
"""The response cache's namespace in the results folder's SQLite file."""
PROBES = 4
"""Fresh requests each setting's prefix-cache share is measured on."""
PROBED_SETTINGS = 10
"""Settings a runner probes at most (the baseline and one per kind of step)."""


def held_out(profile: Profile, n: int, repeat_share: float) -> list[WorkloadItem]:
    """`n` held-out requests (`Profile.held_out_items`). On the demo workload, whose generator
    never repeats a ticket, a share `repeat_share` of them repeat an earlier one exactly (id
    `<id>-r<i>`, seeded), as in notebook 07's traffic sample; a workload file's own repeats are
    what they are (nothing is added), and its requests without a gold answer are graded
    against the answer its log recorded (`llmopt.grading.with_references`)."""
    if not 0 <= repeat_share < 1:
        raise ConfigError(f"repeat_share must be in [0, 1), got {repeat_share!r}")
    if profile.workload != "demo":  # gold answers, else the log's (as notebooks 01 and 08)
        return with_references(profile.held_out_items(n), log=profile.workload_file()).items
    fresh, rng = iter(profile.held_out_items(n)), random.Random(f"llmopt-held-out-{profile.seed}")
    out: list[WorkloadItem] = []
    for i in range(n):
        earlier = [item for item in out if "-r" not in item.id]
        if earlier and rng.random() < repeat_share:
            source = rng.choice(earlier)
            out.append(source.model_copy(update={"id": f"{source.id}-r{i}"}))
        else:
            out.append(next(fresh))
    return out


class Runner:
    """The held-out `items` sent under settings of the stack. `target` is the profile's target
    server (shared or attached; started here where it is not running yet); `draft()` makes the
    profile's draft server, the router's cheap tier, where a step needs it; `start(**overrides)`
    makes a target server of another configuration (e.g. `lambda **o: pilot.server("target",
    **o)`). Use as a context manager: the servers started
    here stop at its end (an attached one is left running)."""

    def __init__(self, items: Sequence[WorkloadItem], *, profile: Profile, target: VllmServer,
                 draft: Callable[[], VllmServer], start: Callable[..., VllmServer],
                 concurrency: int, warmup: Sequence[WorkloadItem],
                 results_dir: str | Path) -> None:
        self.items, self.profile, self.concurrency = list(items), profile, concurrency
        self.warmup, self.results_dir = list(warmup), Path(results_dir)
        self.start, self.draft = start, draft
        self.prices: dict[str, Price] = {"strong": price_for(profile.target_model),
                                         "cheap": price_for(profile.draft_model)}
        self.servers: dict[str, VllmServer] = {"": target}
        self._up: set[str] = set()
        self._compressed: dict[str, dict[str, list[WorkloadItem]]] = {}
        self._routes: dict[str, dict[str, str]] = {}
        self._fresh: list[WorkloadItem] | None = None
        self._probed: dict[str, int] = {}
        self._prefix: dict[tuple[str, str], float | None] = {}
        self._passes = 0

    def measure(self, *settings: Setting) -> list[pd.DataFrame]:
        """One record frame per setting (in order), sent interleaved in one pass."""
        sent = {_key(s.sent()): s.sent() for s in settings}
        arms = {key: self._arms(s) for key, s in sent.items()}
        for key, setting in sent.items():  # a shaped prompt's own prefix, warm in the cache
            if setting.compression:
                warm = self._shaped(setting, "warmup")
                for _, arm in arms[key]:
                    run(arm.endpoint, warm, ConcurrentProfile(
                        concurrency=self.concurrency, max_requests=len(warm)), progress=False)
        self._passes += 1
        runs = interleaved({f"{i}-{part}": arm for i, key in enumerate(arms)
                            for part, arm in arms[key]},
                           concurrency=self.concurrency, warmup=self.warmup,
                           results_dir=self.results_dir / NAMESPACE / f"pass{self._passes}")
        frames = {key: pd.concat([priced(runs[f"{i}-{part}"], self.prices[part],
                                         self._cached_tokens(key, sent[key], part, arm))
                                  .assign(route=part) for part, arm in arms[key]],
                                 ignore_index=True)
                  for i, key in enumerate(arms)}
        return [self._cached(s, frames[_key(s.sent())]) for s in settings]

    def release(self, keep: Sequence[Setting]) -> None:
        """Stop the servers of their own that none of `keep` uses."""
        wanted = {_key(s.server) for s in keep} | {"", "draft"}
        for key in [k for k in self._up if k not in wanted]:
            self.servers.pop(key).stop()
            self._up.discard(key)

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for key in list(self._up):
            self.servers[key].stop()
        self._up.clear()

    def _arms(self, setting: Setting) -> list[tuple[str, Arm]]:
        items = self._shaped(setting)
        routes = self._route(setting.router) if setting.router else {}
        parts = {"strong": [i for i in items if routes.get(i.id, "strong") == "strong"],
                 "cheap": [i for i in items if routes.get(i.id) == "cheap"]}
        arms = []
        for part, chosen in parts.items():
            if chosen:  # an API has no /metrics to read around each round
                server = self._server("draft" if part == "cheap" else setting.server)
                metrics = server if self.profile.self_hosted else None
                arms.append((part, Arm(Endpoint.of(server, **setting.request), chosen, metrics)))
        return arms

    def _shaped(self, setting: Setting, which: str = "items") -> list[WorkloadItem]:
        """The items, the warm-up items or the probe pool with the setting's prompt compression
        applied (compressed once per compression)."""
        if setting.compression is None:
            return self._pool() if which == "pool" else self.warmup if which == "warmup" else \
                self.items
        groups = {"items": self.items, "warmup": self.warmup, "pool": self._pool()}
        key = json.dumps(setting.compression, sort_keys=True)
        if key not in self._compressed:
            kind = setting.compression["kind"]
            model = compress.default_model(kind, self.profile.profile, self.profile.model("draft"))
            compressor = compress.load({"kind": kind}, model=model)
            every = [item for group in groups.values() for item in group]
            shaped = iter(compress.compress_items(compressor, every,
                                                  rate=setting.compression["rate"]).items)
            self._compressed[key] = {name: [next(shaped) for _ in g] for name, g in groups.items()}
        return self._compressed[key][which]

    def _pool(self) -> list[WorkloadItem]:
        """Requests of the workload that nothing here sends but the prefix-cache probes."""
        if self._fresh is None:
            n = len(self.items)
            self._fresh = self.profile.held_out_items(n + PROBES * PROBED_SETTINGS)[n:]
        return self._fresh

    def _cached_tokens(self, key: str, setting: Setting, part: str, arm: Arm) -> float | None:
        """The prompt tokens of a fresh request the arm's server serves from its prefix cache:
        PROBES requests of the pool no run sent, one at a time after the setting's pass (so its
        shared prefix is warm), the hits /metrics counts over them, per request; None without
        /metrics (an API: its records' own counts are used). A pass's own rounds overstate it:
        a prompt an earlier pass or another setting sent is cached whole."""
        if arm.server is None:  # nothing to read (an API): the records' own counts
            return None
        if (key, part) not in self._prefix:
            at = self._probed.setdefault(key, len(self._probed)) * PROBES
            probes = self._shaped(setting, "pool")[at: at + PROBES]
            if len(probes) < PROBES:
                raise ConfigError(f"more than {PROBED_SETTINGS} settings to probe: raise "
                                  "PROBED_SETTINGS")
            probe = run(arm.endpoint, probes, SynchronousProfile(max_requests=PROBES),
                        server=arm.server, progress=False)
            delta = probe.stages[0].metrics if probe.stages else None
            self._prefix[(key, part)] = None if delta is None else \
                delta.prefix_cache_hits / PROBES
        return self._prefix[(key, part)]

    def _server(self, overrides: dict[str, Any] | str) -> VllmServer:
        key = overrides if isinstance(overrides, str) else _key(overrides)
        if key not in self.servers:  # NotApplicable where the profile may start none
            self.servers[key] = self.draft() if key == "draft" else self.start(**overrides)
        if key not in self._up:
            self.servers[key].start()
            self._up.add(key)
        return self.servers[key]

    def _route(self, router: dict[str, Any]) -> dict[str, str]:
        """Request id -> "cheap" or "strong": notebook 08's scorer at its threshold."""
        key = json.dumps(router, sort_keys=True)
        if key not in self._routes:
            scorer = self._scorer(router["calibration_ids"])
            scores = scorer.score_texts([_text(i) for i in self.items])
            self._routes[key] = {i.id: "strong" if s >= router["threshold"] else "cheap"
                                 for i, s in zip(self.items, scores, strict=True)}
        return self._routes[key]

    def _scorer(self, calibration_ids: Sequence[str]) -> EmbeddingScorer:
        ids = set(calibration_ids)
        calibration = [i for i in self.profile.workload_items() if i.id in ids]
        cheap = self._server("draft")
        answers = complete(cheap.base_url, cheap.model_name, calibration, max_tokens=64,
                           concurrency=4, api_key_env=cheap.config.api_key_env)
        right = [a.error is None and grade(a.text, i.reference or {}).correct
                 for a, i in zip(answers, calibration, strict=True)]
        return EmbeddingScorer().fit([_text(i) for i in calibration], right,
                                     seed=self.profile.seed)

    def _cached(self, setting: Setting, sent: pd.DataFrame) -> pd.DataFrame:
        """`sent` as the setting's cache in front of it serves it (unchanged without a cache)."""
        if setting.cache is None:
            return sent
        cache = self._cache(setting.cache)
        cache.clear()
        by_id = sent.set_index("id", drop=False)
        max_tokens = setting.request.get("max_tokens") or 0
        rows = []
        for item in self._shaped(setting):
            prompt, llm_string = request_key(item, self.profile.target_model, max_tokens)
            began = time.perf_counter()
            served = cache.get(prompt, llm_string)
            lookup_s = time.perf_counter() - began
            row = by_id.loc[item.id].to_dict()
            if served is None:
                if row["status"] == "ok":
                    cache.put(prompt, llm_string, row["text"])
                row |= {"latency_s": row["latency_s"] + lookup_s, "cache_hit": False}
            else:
                row |= hit(served, item, lookup_s)
            rows.append(row)
        return pd.DataFrame(rows, columns=[*sent.columns, "cache_hit"])

    def _cache(self, spec: dict[str, Any]) -> ResponseCache:
        if spec["kind"] == "exact":
            return SqliteCache(default_path(self.results_dir), namespace=NAMESPACE)
        return FaissSemanticCache(NAMESPACE, threshold=spec["threshold"])


def hit(served: str, item: WorkloadItem, lookup_s: float) -> dict[str, Any]:
    """A record's fields for a request the response cache answered: nothing sent, nothing
    billed, the lookup as its time to first token and latency."""
    return {"text": served, "correct": grade(served, item.reference or {}).correct,
            "status": "ok", "ttft_s": lookup_s, "latency_s": lookup_s, "tpot_s": None,
            "prompt_tokens": 0, "cached_tokens": 0, "output_tokens": 0, "input_usd": 0.0,
            "cached_input_usd": 0.0, "output_usd": 0.0, "cost_usd": 0.0,
            "cached_input_tokens": 0.0, "route": "cache", "cache_hit": True}


def _key(what: dict[str, Any] | Setting) -> str:
    """A server's key (its overrides; "" for the profile's own) or a setting's."""
    if isinstance(what, Setting):
        return what.model_dump_json()
    return json.dumps(what, sort_keys=True) if what else ""


def _text(item: WorkloadItem) -> str:
    return request_text(convert_to_messages(item.messages()))
