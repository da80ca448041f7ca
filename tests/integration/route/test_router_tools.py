"""Tools and structured output through the router on a real vLLM server (the demo `small`
model with tool calling on): the routed tier's call comes back as a LangChain tool call, after
fallback, streamed, and parsed by `with_structured_output`; usage is counted once."""

from __future__ import annotations

from typing import Literal

import pytest
from langchain_core.callbacks import get_usage_metadata_callback
from langchain_core.tools import tool
from pydantic import BaseModel, Field

from llmopt.route import FallbackPolicy, RouterChatModel, Tier
from llmopt.route.scorers import HeuristicScorer

pytestmark = [pytest.mark.vllm, pytest.mark.slow]

POLICY = FallbackPolicy(retries=0, backoff_s=0.0, cooldown_s=60)


class Refund(BaseModel):
    order_id: int = Field(ge=1, le=9999)  # bounded: a grammar-forced integer can run on
    reason: Literal["late", "damaged", "lost"]


@tool(args_schema=Refund)
def refund(order_id: int, reason: str) -> str:
    """Refund an order."""
    return f"refunded {order_id}"


class Ticket(BaseModel):
    """A support ticket, classified."""

    category: Literal["billing", "shipping", "account"]
    priority: int = Field(ge=1, le=3)


def _tier(name: str, server, **options) -> Tier:
    return Tier.served(name, server, max_tokens=64,
                       model_kwargs={"parallel_tool_calls": False}, **options)


def test_a_forced_call_comes_back_from_the_routed_tier_and_is_counted_once(demo_small_server):
    router = RouterChatModel(tiers=[_tier("cheap", demo_small_server),
                                    _tier("strong", demo_small_server)],
                             scorer=HeuristicScorer(), thresholds=[0.0], policy=POLICY)
    with get_usage_metadata_callback() as usage:
        message = router.bind_tools([refund], tool_choice="refund").invoke(
            "Order 42 came late. Refund it.")
    [call] = message.tool_calls
    assert call["name"] == "refund" and set(call["args"]) == {"order_id", "reason"}
    assert call["args"]["reason"] in ("late", "damaged", "lost") and call["id"]
    assert message.response_metadata["routed_to"] == "strong"
    [counted] = usage.usage_metadata.values()
    assert counted["input_tokens"] == message.usage_metadata["input_tokens"] > 0


def test_fallback_keeps_the_tool_call(demo_small_server):
    dead = Tier.openai("dead", "http://127.0.0.1:9/v1", "demo:small", "demo:small",
                       max_tokens=64)
    router = RouterChatModel(tiers=[dead, _tier("live", demo_small_server)], policy=POLICY)
    message = router.bind_tools([refund], tool_choice="any").invoke("Refund order 7.")
    assert [c["name"] for c in message.tool_calls] == ["refund"]
    assert message.response_metadata["routed_to"] == "live"
    assert [(a.tier, a.ok) for a in router.attempts] == [("dead", False), ("live", True)]


@pytest.mark.parametrize("mode", ["live", "whole"])
def test_a_streamed_call_sums_to_one_tool_call(demo_small_server, mode):
    router = RouterChatModel(tiers=[_tier("cheap", demo_small_server)], policy=POLICY,
                             stream_mode=mode)
    total = None
    for chunk in router.bind_tools([refund], tool_choice="refund").stream("Refund order 7."):
        total = chunk if total is None else total + chunk
    assert [c["name"] for c in total.tool_calls] == ["refund"]
    assert total.response_metadata["routed_to"] == "cheap"
    assert total.response_metadata["model_name"] == "demo:small"  # once, not once per chunk


def test_structured_output_parses_the_answer(demo_small_server):
    router = RouterChatModel(tiers=[_tier("cheap", demo_small_server)], policy=POLICY)
    ticket = router.with_structured_output(Ticket).invoke("My parcel never came.")
    assert isinstance(ticket, Ticket)


def test_unforced_the_demo_model_answers_in_text(demo_small_server):
    """`auto`: the call is the model's to make; the demo models answer in their ticket JSON."""
    router = RouterChatModel(tiers=[_tier("cheap", demo_small_server)], policy=POLICY)
    message = router.bind_tools([refund]).invoke("Refund order 7.")
    assert message.tool_calls == [] and message.content
