"""Replay a traffic sample (`llmopt.cache.traffic.sample`) through response caches, in order.

Two passes, both keyed the same way (`request_key`: the ticket text; the model, the generation
parameters and a digest of the system prompt as the `llm_string`):

- `lookups(...)`: every request was already answered by the server (`answers`, one Completion
  each, so each has its own measured cost, latency and graded answer). The exact cache and the
  semantic cache see the requests in order. For each request it records the exact cache's hit
  and whether the served answer grades right against *this* request's reference, and the
  semantic cache's nearest earlier request: its cosine similarity and whether *its* answer grades
  right here (`served_right`). Every request is written to the semantic cache (the upper bound
  on reuse that `llmopt.cache.sweep` sweeps over thresholds); the exact cache is written on
  misses only.
- `serve(...)`: one cache for real in front of a `send` function: `cache.get` first, a hit is
  answered from the cache and nothing is sent, a miss is sent and its answer written back.

A false hit is the cache's own error: a served answer that grades wrong for the new request
where the server's own answer to it grades right (`served_correct` / `exact_correct` are False).
Where the model is wrong anyway, serving its wrong answer to an earlier request costs nothing in
quality; `served_right` / `exact_right` keep the plain grade, for accuracy.

A failed request (no answer) is recorded, counted and never written to a cache.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence

import pandas as pd

from llmopt.cache.base import ResponseCache
from llmopt.cache.faiss_semantic import FaissSemanticCache
from llmopt.cache.traffic import KINDS
from llmopt.completions import Completion
from llmopt.demo.grader import grade
from llmopt.errors import ConfigError
from llmopt.evidence import Evidence, exact_change, paired_quality, ratio_change
from llmopt.pricing import Price, request_cost
from llmopt.workload import WorkloadItem

Traffic = Sequence[tuple[str, str | None, WorkloadItem]]
LOOKUP_COLUMNS = ("id", "kind", "source", "correct", "failed", "cost_usd", "latency_s",
                  "exact_hit", "exact_right", "exact_correct", "exact_lookup_s", "similarity",
                  "served_right", "served_correct", "lookup_s")
SERVE_COLUMNS = ("id", "kind", "source", "hit", "correct", "failed", "cost_usd", "latency_s")


def request_key(item: WorkloadItem, model: str, max_tokens: int) -> tuple[str, str]:
    """(prompt, llm_string) a cache keys this request by: the ticket text is what varies and what
    the embedding reads; the model, greedy decoding, `max_tokens` and the system prompt's digest
    must all match for a hit."""
    system = hashlib.sha256(item.system.encode()).hexdigest()[:16]
    llm_string = json.dumps({"model": model, "temperature": 0.0, "max_tokens": max_tokens,
                             "system_sha256": system}, sort_keys=True)
    return item.user, llm_string


def cost_of(answer: Completion, price: Price) -> float:
    """$ of one answered request from its usage; 0 for a failed one (nothing billed)."""
    if answer.error is not None or answer.prompt_tokens is None:
        return 0.0
    return request_cost(price, answer.prompt_tokens, 0, answer.completion_tokens or 0)


def lookups(traffic: Traffic, answers: Sequence[Completion], *, exact: ResponseCache,
            semantic: FaissSemanticCache, price: Price, model: str,
            max_tokens: int) -> pd.DataFrame:
    """One row per request (LOOKUP_COLUMNS); `answers[i]` is the server's answer to request i.
    The caches should start empty (`clear()` them): an entry left from an earlier run counts."""
    if len(traffic) != len(answers):
        raise ConfigError(f"{len(traffic)} requests but {len(answers)} answers; give one answer "
                          "per request, in replay order")
    rows = []
    for (kind, source, item), answer in zip(traffic, answers, strict=True):
        if answer.id != item.id:
            raise ConfigError(f"answer {answer.id!r} does not belong to request {item.id!r}; "
                              "keep the answers in replay order")
        prompt, llm_string = request_key(item, model, max_tokens)
        failed = answer.error is not None
        row = {"id": item.id, "kind": kind, "source": source, "failed": failed,
               "correct": (not failed) and _right(answer.text, item),
               "cost_usd": cost_of(answer, price), "latency_s": answer.latency_s}
        row.update(_exact(exact, prompt, llm_string, item, answer))
        row.update(_semantic(semantic, prompt, llm_string, item, answer))
        row["exact_correct"] = row["exact_right"] or not row["correct"]
        row["served_correct"] = row["served_right"] or not row["correct"]
        rows.append(row)
    return pd.DataFrame(rows, columns=list(LOOKUP_COLUMNS))


def _right(text: str, item: WorkloadItem) -> bool:
    return grade(text, item.reference or {}).correct


def _exact(cache: ResponseCache, prompt: str, llm_string: str, item: WorkloadItem,
           answer: Completion) -> dict:
    start = time.perf_counter()
    served = cache.get(prompt, llm_string)
    lookup_s = time.perf_counter() - start
    if served is None and answer.error is None:
        cache.put(prompt, llm_string, answer.text)
    return {"exact_hit": served is not None, "exact_lookup_s": lookup_s,
            "exact_right": served is not None and _right(served, item)}


def _semantic(cache: FaissSemanticCache, prompt: str, llm_string: str, item: WorkloadItem,
              answer: Completion) -> dict:
    start = time.perf_counter()
    vector = cache.embed([prompt])
    similarity, served = cache.nearest(prompt, llm_string, vector=vector)
    lookup_s = time.perf_counter() - start
    if answer.error is None:
        cache.put_many([prompt], llm_string, [answer.text], vectors=vector)
    return {"similarity": similarity, "lookup_s": lookup_s,
            "served_right": served is not None and _right(served, item)}


def serve(traffic: Traffic, send: Callable[[WorkloadItem], Completion], cache: ResponseCache, *,
          price: Price, model: str, max_tokens: int) -> pd.DataFrame:
    """Each request through `cache` in front of `send`, in order (SERVE_COLUMNS). A hit costs
    nothing and its latency is the lookup's; a miss pays the request and adds the lookup."""
    rows = []
    for kind, source, item in traffic:
        prompt, llm_string = request_key(item, model, max_tokens)
        start = time.perf_counter()
        served = cache.get(prompt, llm_string)
        lookup_s = time.perf_counter() - start
        row = {"id": item.id, "kind": kind, "source": source, "hit": served is not None}
        if served is not None:
            row.update(correct=_right(served, item), failed=False, cost_usd=0.0,
                       latency_s=lookup_s)
        else:
            answer = send(item)
            failed = answer.error is not None
            if not failed:
                cache.put(prompt, llm_string, answer.text)
            row.update(correct=(not failed) and _right(answer.text, item), failed=failed,
                       cost_usd=cost_of(answer, price), latency_s=lookup_s + answer.latency_s)
        rows.append(row)
    return pd.DataFrame(rows, columns=list(SERVE_COLUMNS))


def semantic_hits(lookups: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """`hit`, `false_hit`, `served_right` and `lookup_s` per request of a `lookups` frame, were
    the semantic cache to serve at `threshold` (the sweep's model: every earlier request cached)."""
    hit = lookups["similarity"] >= threshold
    return pd.DataFrame({"hit": hit, "false_hit": hit & ~lookups["served_correct"],
                         "served_right": lookups["served_right"],
                         "lookup_s": lookups["lookup_s"]})


def exact_hits(lookups: pd.DataFrame) -> pd.DataFrame:
    """`hit`, `false_hit`, `served_right` and `lookup_s` per request of the exact cache."""
    hit = lookups["exact_hit"]
    return pd.DataFrame({"hit": hit, "false_hit": hit & ~lookups["exact_correct"],
                         "served_right": lookups["exact_right"],
                         "lookup_s": lookups["exact_lookup_s"]})


def summary(hits: pd.DataFrame) -> dict:
    """Hits and false hits, counted and as shares of all requests."""
    n = len(hits)
    return {"requests": n, "hits": int(hits["hit"].sum()),
            "false_hits": int(hits["false_hit"].sum()),
            "hit_rate": float(hits["hit"].mean()) if n else 0.0,
            "false_hit_rate": float(hits["false_hit"].mean()) if n else 0.0}


def by_kind(lookups: pd.DataFrame, hits: pd.DataFrame) -> pd.DataFrame:
    """Per request kind (fresh, repeat, paraphrase, near miss): requests, the share served from
    the cache, the share served wrong where the server answers right (false hits), and the share
    served an answer that grades wrong for any reason (the model's own errors included)."""
    frame = pd.DataFrame({"kind": lookups["kind"], "served": hits["hit"],
                          "false_hit": hits["false_hit"],
                          "wrong": hits["hit"] & ~hits["served_right"]})
    out = frame.groupby("kind").agg(requests=("served", "size"), served_share=("served", "mean"),
                                    false_hit_share=("false_hit", "mean"),
                                    served_wrong_share=("wrong", "mean"))
    return out.reindex([k for k in KINDS if k in out.index])


def measure(lookups: pd.DataFrame, hits: pd.DataFrame | None = None) -> dict:
    """$ per request, mean latency and accuracy of the replay with a cache serving `hits` (none:
    every request sent, no lookup). A hit costs nothing, takes its lookup time and is right when
    the served answer grades right; a miss pays its request plus the lookup."""
    if hits is None:
        return {"usd_per_request": float(lookups["cost_usd"].mean()),
                "latency_mean_s": float(lookups["latency_s"].mean()),
                "accuracy": float(lookups["correct"].mean())}
    hit = hits["hit"]
    return {"usd_per_request": float(lookups["cost_usd"].where(~hit, 0.0).mean()),
            "latency_mean_s": float((hits["lookup_s"] + lookups["latency_s"].where(~hit, 0.0))
                                    .mean()),
            "accuracy": float(hits["served_right"].where(hit, lookups["correct"]).mean())}


def evidence(lookups: pd.DataFrame, hits: pd.DataFrame) -> Evidence:
    """A cache serving `hits` against sending every request, on the same requests: what the
    caller receives graded against the server's own answer (paired, per request kind), the bill
    (exact: a hit costs nothing) and the mean latency (a hit takes its lookup, a miss its lookup
    plus the server's latency) with its interval. Failed requests count wrong and have no
    latency."""
    hit = hits["hit"].astype(bool)
    received = hits["served_right"].where(hit, lookups["correct"]).astype(bool)
    quality = paired_quality(lookups["correct"].astype(bool), received,
                             tiers=lookups["kind"].astype(str))
    cost = exact_change("$ per 1M requests", 1e6 * float(lookups["cost_usd"].mean()),
                        1e6 * float(lookups["cost_usd"].where(~hit, 0.0).mean()), n=len(hit))
    answered = ~lookups["failed"].astype(bool)
    with_cache = hits["lookup_s"] + lookups["latency_s"].where(~hit, 0.0)
    latency = ratio_change("latency (mean)", lookups.loc[answered, "latency_s"],
                           with_cache[answered], statistic="mean")
    return Evidence(quality=quality, cost=cost, latency=latency)


def live_measure(served: pd.DataFrame) -> dict:
    """$ per request, mean latency and accuracy of a `serve` pass."""
    return {"usd_per_request": float(served["cost_usd"].mean()),
            "latency_mean_s": float(served["latency_s"].mean()),
            "accuracy": float(served["correct"].mean())}


def compare(lookups: pd.DataFrame, threshold: float, served: pd.DataFrame) -> dict:
    """The sweep's prediction at `threshold` against a live `serve` pass at that threshold.

    A live cache writes misses only, so it holds a subset of what the sweep assumes: a live hit
    is always a predicted hit, and a predicted hit can miss live when the near entry it needed was
    itself served from the cache (never written). The ids on each side say which requests. A live
    false hit, as in `lookups`: served wrong where the server's own answer (there) grades right."""
    if served["id"].tolist() != lookups["id"].tolist():
        raise ConfigError("the live pass and the lookups hold different requests; serve the same "
                          "traffic sample in the same order")
    predicted = semantic_hits(lookups, threshold)
    live = pd.DataFrame({"hit": served["hit"],
                         "false_hit": served["hit"] & ~served["correct"] & lookups["correct"]})
    ids = lookups["id"]
    return {"predicted": summary(predicted), "live": summary(live),
            "predicted_not_live": ids[predicted["hit"] & ~live["hit"]].tolist(),
            "live_not_predicted": ids[live["hit"] & ~predicted["hit"]].tolist(),
            "false_hit_differs": ids[predicted["false_hit"] != live["false_hit"]].tolist()}
