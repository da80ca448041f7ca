"""Faults between a client and a real vLLM server (tests/integration/fault_proxy.py): latency,
a connection reset before and in the middle of an answer, 429 with Retry-After, 500, a stalled
stream. Every request ends recorded once, answered or failed with its class, and priced; a
routed stream falls back until its first chunk and raises StreamBroken after it."""

from __future__ import annotations

from collections import Counter

import pytest
from langchain_core.callbacks import get_usage_metadata_callback

from llmopt.bench import Endpoint, Retry, SynchronousProfile, run
from llmopt.demo import generator
from llmopt.pricing import price_for
from llmopt.route import (
    ErrorClass,
    FallbackPolicy,
    RouterChatModel,
    SpendTracker,
    StreamBroken,
    Tier,
)
from tests.integration.fault_proxy import FAULTS, FaultProxy

pytestmark = [pytest.mark.vllm, pytest.mark.slow]

ANSWERED = ("pass", "latency")
ENDS = {"pass": "ok", "latency": "ok", "reset_before": "error", "reset_mid": "error",
        "429": "http_429", "500": "http_500", "stall": "timeout"}
"""How a request ends when every attempt meets the fault."""


def _bench(server, proxy, items, attempts: int):
    endpoint = Endpoint(base_url=proxy.base_url, model=server.model_name, timeout_s=3.0,
                        retry=Retry(max_attempts=attempts, initial_s=0.05, max_s=0.2))
    return run(endpoint, items, SynchronousProfile(max_requests=len(items)),
               price=price_for("demo:small"), progress=False)


def test_every_request_meets_its_fault_and_ends_recorded_once(demo_small_server):
    items = generator.generate(2 * len(FAULTS), seed=3)
    with FaultProxy(demo_small_server.base_url, lambda n: FAULTS[n // 2]) as proxy:
        result = _bench(demo_small_server, proxy, items, attempts=1)
    assert proxy.done == {f: 2 for f in FAULTS}  # each sent once, none retried
    assert sorted(r.id for r in result.records) == sorted(i.id for i in items)  # once each
    assert [r.status for r in result.records] == [ENDS[f] for f in FAULTS for _ in (0, 1)]
    assert all(r.cost_usd > 0 for r in result.records)  # failures too: their prompt was sent
    assert all(r.error for r in result.records if r.status != "ok")


def test_a_fault_on_the_first_attempt_is_retried_into_an_answer(demo_small_server):
    items = generator.generate(len(FAULTS), seed=4)
    sent = [f for fault in FAULTS for f in ([fault] if fault in ANSWERED else [fault, "pass"])]
    with FaultProxy(demo_small_server.base_url, sent.__getitem__) as proxy:
        result = _bench(demo_small_server, proxy, items, attempts=3)
    assert proxy.done == Counter(sent)  # each fault met once, then one retry that passed
    assert [r.status for r in result.records] == ["ok"] * len(items)
    assert sorted(r.id for r in result.records) == sorted(i.id for i in items)
    assert all(r.cost_usd and r.output_tokens for r in result.records)


def test_the_router_answers_through_faults_and_counts_each_call_once(demo_small_server):
    spend = SpendTracker()
    with FaultProxy(demo_small_server.base_url, lambda n: FAULTS[n % len(FAULTS)]) as proxy:
        faulty = Tier.openai("cheap", proxy.base_url, demo_small_server.model_name,
                             "demo:small", timeout_s=3.0)
        backup = Tier.served("backup", demo_small_server)
        router = RouterChatModel(tiers=[faulty, backup], policy=FallbackPolicy(
            retries=0, backoff_s=0.0, cooldown_s=0))
        with get_usage_metadata_callback() as usage:
            answers = [router.invoke(f"Where is order {n}?", config={"callbacks": [spend]})
                       for n in range(len(FAULTS))]
    assert all(a.content for a in answers)
    assert [a.response_metadata["routed_to"] for a in answers] == [
        "cheap" if f in ANSWERED else "backup" for f in FAULTS]
    failed = [a for a in router.attempts if not a.ok]
    assert len(failed) == len(FAULTS) - 2 and all(a.error_class for a in failed)
    assert len(spend.rows) == len(FAULTS)  # one priced row per call, fallbacks included
    assert sum(u["input_tokens"] for u in usage.usage_metadata.values()) == sum(
        a.usage_metadata["input_tokens"] for a in answers)


def test_a_routed_stream_falls_back_before_its_first_chunk_and_breaks_after_it(
        demo_small_server):
    broken_after_first = ("reset_mid", "stall")
    with FaultProxy(demo_small_server.base_url, lambda n: FAULTS[n % len(FAULTS)]) as proxy:
        router = RouterChatModel(tiers=[
            Tier.openai("cheap", proxy.base_url, demo_small_server.model_name, "demo:small",
                        timeout_s=3.0),
            Tier.served("backup", demo_small_server)],
            policy=FallbackPolicy(retries=0, backoff_s=0.0, cooldown_s=0))
        for n, fault in enumerate(FAULTS):
            chunks = []
            if fault in broken_after_first:
                with pytest.raises(StreamBroken):
                    chunks.extend(router.stream(f"Where is order {n}?"))
                assert chunks and chunks[0].response_metadata["routed_to"] == "cheap"
                continue
            chunks.extend(router.stream(f"Where is order {n}?"))
            assert chunks[0].response_metadata["routed_to"] == (
                "cheap" if fault in ANSWERED else "backup")
            assert sum(chunks[1:], chunks[0]).usage_metadata["output_tokens"] > 0
    tries = [(a.tier, a.ok) for a in router.attempts]
    assert tries == [t for f in FAULTS for t in (
        [("cheap", True)] if f in ANSWERED else
        [("cheap", False)] if f in broken_after_first else [("cheap", False), ("backup", True)])]
    broken = [a for a in router.attempts if a.error_class == ErrorClass.stream_broken]
    assert len(broken) == 2 and all(a.cost_usd > 0 and a.cost_estimated for a in broken)
