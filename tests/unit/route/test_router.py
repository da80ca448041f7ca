from __future__ import annotations

import asyncio

import pytest
from langchain_core.messages import convert_to_messages
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

from llmopt.errors import ConfigError
from llmopt.route import (
    AllTiersFailed,
    Budget,
    ErrorClass,
    FallbackPolicy,
    RouterChatModel,
    StreamBroken,
    Tier,
    worst_case_usd,
)
from llmopt.route.scorers import Cascade, EarlyStop, HeuristicScorer, SchemaCheck
from tests.unit.route.conftest import FAST
from tests.unit.route.fakes import Scripted, api_error, refused, stream_error


class Fixed(HeuristicScorer):
    def __init__(self, value: float) -> None:
        super().__init__()
        self.value = value

    def score_texts(self, texts):
        return [self.value for _ in texts]


def test_scorer_and_thresholds_pick_the_tier(make_router):
    low = make_router(scorer=Fixed(0.2), thresholds=[0.5])
    high = make_router(scorer=Fixed(0.7), thresholds=[0.5])
    assert low.invoke("hi").content == "small answer"
    assert high.invoke("hi").content == "large answer"
    assert high.invoke("hi").response_metadata["routed_to"] == "large"


def test_composes_with_lcel_sync_and_async(make_router):
    chain = (ChatPromptTemplate.from_messages([("human", "{q}")]) | make_router()
             | StrOutputParser())
    assert chain.invoke({"q": "x"}) == "small answer"
    assert asyncio.run(chain.ainvoke({"q": "x"})) == "small answer"


def test_usage_passes_through_and_attempt_is_priced(make_router):
    router = make_router()
    message = router.invoke("hi")
    assert message.usage_metadata["input_tokens"] == 10
    (attempt,) = router.attempts
    assert attempt.ok and attempt.cost_usd > 0 and not attempt.cost_estimated


def test_stream_passes_chunks_through(make_router):
    router = make_router(stream_mode="live")
    chunks = list(router.stream("hi"))
    assert len([c for c in chunks if c.text]) == 2
    assert "".join(c.text for c in chunks) == "small answer"


def test_stream_broken_after_first_tokens_falls_back_to_one_answer(make_router):
    """Buffered by name: a break after the first tokens falls back, the caller gets one answer."""
    small = Scripted(name="small", text="half of a small answer", script=["break"],
                     break_after=2)
    router = make_router(small=small, stream_mode="whole")
    text = "".join(c.text for c in router.stream("hi"))
    assert text == "large answer"
    broken, ok = router.attempts
    assert broken.error_class == "stream_broken" and broken.output_tokens == 2
    assert broken.cost_estimated and broken.cost_usd > 0 and ok.ok


def test_async_stream_broken_falls_back_too(make_router):
    small = Scripted(name="small", text="half of a small answer", script=["break"],
                     break_after=1)
    router = make_router(small=small, stream_mode="whole")

    async def collect():
        return "".join([c.text async for c in router.astream("hi")])

    assert asyncio.run(collect()) == "large answer"


def test_live_stream_broken_after_first_tokens_raises(make_router):
    """Live (the default): the caller keeps the tokens it got and is told they are not a whole
    answer; nothing is spliced onto them."""
    small = Scripted(name="small", text="half of a small answer", script=["break"],
                     break_after=1)
    router = make_router(small=small)
    got = []
    with pytest.raises(StreamBroken):
        for chunk in router.stream("hi"):
            got.append(chunk.text)
    assert "".join(got) == "half" and len(router.attempts) == 1


def test_live_streaming_passes_the_first_chunk_before_the_tier_finishes(make_router):
    """The first chunk reaches the caller while the tier is still producing the rest."""
    import threading

    release = threading.Event()
    small = Scripted(name="small", text="one two three", gate=release)
    router = make_router(small=small)
    stream = router.stream("hi")
    first = next(stream)
    assert first.text == "one" and small.streamed == 1  # the tier waits on the gate
    release.set()
    assert "".join([first.text, *(c.text for c in stream)]) == "one two three"


def test_a_summed_stream_names_the_tier_once_and_counts_usage_once(make_router):
    router = make_router()
    chunks = list(router.stream("hi"))
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    assert total.response_metadata["routed_to"] == "small"
    assert total.response_metadata["model_name"] == "demo:small"
    assert total.usage_metadata["input_tokens"] == 10


def test_an_error_sent_inside_a_stream_falls_back(make_router):
    """vLLM answers 200, then sends {"error": {"code": 500}} when its engine dies."""
    dead = [stream_error(500, "EngineCore encountered an issue")] * 3
    router = make_router(small=Scripted(name="small", script=dead))
    assert "".join(c.text for c in router.stream("hi")) == "large answer"
    assert [a.error_class for a in router.attempts] == ["server_error"] * 3 + [None]


def test_a_stream_is_retried_as_a_call_is(make_router):
    """A 5xx before the first chunk: the same policy as invoke (retried, then answered)."""
    for stream in (False, True):
        small = Scripted(name="small", text="small answer", script=[api_error(503)])
        router = make_router(small=small)
        got = ("".join(c.text for c in router.stream("hi")) if stream
               else router.invoke("hi").content)
        assert got == "small answer" and [a.error_class for a in router.attempts] == [
            "server_error", None]


def test_rate_limit_is_retried_on_the_same_model(make_router):
    small = Scripted(name="small", text="small answer", script=[api_error(429)])
    router = make_router(small=small)
    assert router.invoke("hi").content == "small answer"
    assert [a.error_class for a in router.attempts] == ["rate_limit", None]


def test_refused_connection_falls_back_without_retry_and_cools_down(make_router):
    small = Scripted(name="small", script=[refused()])
    router = make_router(small=small)
    assert router.invoke("hi").content == "large answer"
    assert small.calls == 1 and router.cooldown.cooling("small")
    assert router.invoke("hi").content == "large answer"
    assert small.calls == 1  # skipped while cooling


def test_every_tier_failing_raises_with_the_attempts(make_router):
    router = make_router(small=Scripted(script=[refused()]),
                         large=Scripted(script=[api_error(500)] * 3))
    with pytest.raises(AllTiersFailed) as info:
        router.invoke("hi")
    assert len(info.value.attempts) == 4


def test_an_unclassified_error_is_raised_not_hidden(make_router):
    router = make_router(small=Scripted(script=[api_error(401, "bad key")]))
    with pytest.raises(Exception, match="bad key"):
        router.invoke("hi")


def test_content_filter_falls_back(make_router):
    router = make_router(small=Scripted(finish_reason="content_filter"))
    assert router.invoke("hi").content == "large answer"
    assert router.attempts[0].error_class == "content_filter"


def test_task_type_chain_orders_the_fallback(make_router):
    policy = FAST.model_copy(update={"chains": {"refunds": ["large", "small"]}})
    router = make_router(small=Scripted(script=[refused()]), policy=policy)
    out = router.invoke("hi", config={"metadata": {"task_type": "refunds"}})
    assert out.content == "large answer"


def test_cascade_escalates_when_the_check_fails(make_router):
    router = make_router(small=Scripted(text="not json"), large=Scripted(text='{"a": 1}'),
                         cascade=Cascade([SchemaCheck(fields=["a"])]))
    assert router.invoke("hi").content == '{"a": 1}'
    assert [a.tier for a in router.attempts] == ["small", "large"]
    assert "".join(c.text for c in router.stream("hi")) == '{"a": 1}'


def test_bad_configuration_is_named(make_router):
    with pytest.raises(ValueError, match="need 1 thresholds"):
        make_router(scorer=Fixed(0.1), thresholds=[])
    with pytest.raises(ValueError, match="unknown tier"):
        make_router(policy=FAST.model_copy(update={"chains": {"x": ["medium"]}}))


def test_a_budgeted_call_reserves_on_its_own_max_tokens(make_router):
    router = make_router(budget=Budget(1.0))
    router.invoke("hello", max_tokens=4)
    router.invoke("hello")
    tier = router.tiers[0]
    prompt = tier.prompt_tokens(convert_to_messages(["hello"]))
    assert [a.reserved_usd for a in router.attempts] == pytest.approx(
        [worst_case_usd(tier.price(), prompt, 4), worst_case_usd(tier.price(), prompt, 32)])


def test_an_unknown_price_fails_when_the_tier_is_built():
    """Before any call: a ValueError (pydantic's, around the pricing error) with close matches."""
    with pytest.raises(ValueError, match="unknown demo model 'demo:smal'; valid: demo:large"):
        Tier(name="small", model=Scripted(name="small"), priced_as="demo:smal")
    with pytest.raises(ValueError, match="gpt-4o-mini"):
        Tier(name="cheap", model=Scripted(name="cheap"), priced_as="gpt-4o-mni")


def test_all_tiers_failed_names_each_tier_where_and_why():
    url = "http://127.0.0.1:9/v1"  # nothing listens there
    tiers = [Tier.openai(name, url, "m", "demo:small", timeout_s=2) for name in ("small", "large")]
    router = RouterChatModel(tiers=tiers, policy=FallbackPolicy(retries=0, cooldown_s=0))
    with pytest.raises(AllTiersFailed) as failed:
        router.invoke("hi")
    assert len(failed.value.causes) == 2
    for cause in failed.value.causes:
        assert url in cause and "connection" in cause and "refused" in cause, cause  # the cause


def _add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


def _tooled(**large):
    return (Scripted(name="small", tool_args={"a": 1, "b": 2}),
            Scripted(name="large", tool_args={"a": 3, "b": 4}, **large))


def test_tool_calls_come_back_from_the_tier_that_answered_after_fallback(make_router):
    small, large = _tooled()
    small.script = [refused()]
    router = make_router(small, large)
    message = router.bind_tools([_add], tool_choice="any").invoke("add 3 and 4")
    assert message.tool_calls[0]["name"] == "_add" and message.tool_calls[0]["args"] == {
        "a": 3, "b": 4}
    assert message.response_metadata["routed_to"] == "large"
    assert [a.tier for a in router.attempts] == ["small", "large"]  # shared with the bound one


@pytest.mark.parametrize("mode", ["live", "whole"])
def test_a_streamed_tool_call_sums_to_one_call(make_router, mode):
    router = make_router(*_tooled(), stream_mode=mode).bind_tools([_add])
    chunks = list(router.stream("add 1 and 2"))
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    assert total.tool_calls == [{"name": "_add", "args": {"a": 1, "b": 2},
                                 "id": total.tool_calls[0]["id"], "type": "tool_call"}]
    assert total.response_metadata["routed_to"] == "small"


def test_structured_output_parses_the_routed_tiers_call(make_router):
    from pydantic import BaseModel

    class Sum(BaseModel):
        a: int
        b: int

    small, large = _tooled()
    router = make_router(small, large)
    assert router.with_structured_output(Sum).invoke("add 1 and 2") == Sum(a=1, b=2)
    tooled = router.bind_tools([Sum], ls_structured_output_format={"schema": Sum})
    assert all("ls_structured_output_format" not in t._parts()[1] for t in tooled.bound.tiers)


def test_a_tier_that_cannot_call_tools_is_refused_with_its_name(make_router):
    from tests.unit.route.fakes import NoTools

    router = make_router(large=NoTools(name="large"))
    with pytest.raises(ConfigError, match="tier 'large'"):
        router.bind_tools([_add])


def _early(small_logprobs):
    small = Scripted(name="small", text="a b c d e f", logprobs=small_logprobs)
    return small, dict(cascade=Cascade(early_stop=EarlyStop(min_logprob=-1.0)))


def test_an_early_stop_aborts_the_cheap_stream_and_escalates_with_both_costs(make_router):
    small, options = _early([-0.1, -0.1, -2.0, -0.1, -0.1, -0.1])
    router = make_router(small=small, **options)
    assert router.invoke("hi").content == "large answer"
    assert small.streamed == 3  # the stream was closed at the abort: d, e, f never generated
    cheap, strong = router.attempts
    assert (cheap.tier, cheap.ok, cheap.error_class, cheap.output_tokens) == (
        "small", False, ErrorClass.early_stop, 3)
    assert cheap.cost_usd > 0 and cheap.cost_estimated and "after 3 tokens" in cheap.error
    assert (strong.tier, strong.ok) == ("large", True) and strong.cost_usd > 0
    assert router.cooldown.available(["small", "large"]) == ["small", "large"]  # no cooldown


def test_a_sure_cheap_answer_is_kept_whole_and_streams_through(make_router):
    small, options = _early([-0.1] * 6)
    router = make_router(small=small, **options)
    assert router.invoke("hi").content == "a b c d e f"
    assert asyncio.run(router.ainvoke("hi")).content == "a b c d e f"
    assert "".join(c.text for c in router.stream("hi")) == "a b c d e f"
    assert [(a.tier, a.ok, a.output_tokens) for a in router.attempts] == [("small", True, 6)] * 3


def test_the_async_early_stop_aborts_too(make_router):
    small, options = _early([-0.1, -3.0, -0.1, -0.1, -0.1, -0.1])
    router = make_router(small=small, **options)
    assert asyncio.run(router.ainvoke("hi")).content == "large answer"
    assert small.streamed == 2
    assert [a.error_class for a in router.attempts] == [ErrorClass.early_stop, None]


def test_an_early_stop_without_logprobs_says_how_to_get_them(make_router):
    small, options = _early(None)
    with pytest.raises(ConfigError, match="logprobs=True"):
        make_router(small=small, **options).invoke("hi")


def test_an_aborted_answers_prompt_is_counted_with_the_tiers_tokenizer():
    from llmopt.profile import resolve_model
    from llmopt.route.budget import prompt_token_bound

    small = Scripted(name="small", text="a b c", logprobs=[-0.1, -3.0, -0.1])
    cheap = Tier(name="small", model=small, priced_as="demo:small", max_tokens=32,
                 tokenizer=resolve_model("demo:small"))
    strong = Tier(name="large", model=Scripted(name="large"), priced_as="demo:large")
    router = RouterChatModel(tiers=[cheap, strong], policy=FAST,
                             cascade=Cascade(early_stop=EarlyStop(min_logprob=-1.0)))
    messages = convert_to_messages(["Where is my order #123456?"])
    router.invoke(messages)
    aborted = router.attempts[0]
    assert aborted.prompt_tokens == cheap.prompt_tokens(messages)  # exact, not the byte bound
    assert aborted.prompt_tokens < prompt_token_bound([m.text for m in messages])


def test_a_fallback_tier_is_not_judged_by_the_cheap_tiers_early_stop(make_router):
    small = Scripted(name="small", text="a b", script=[refused()])
    large = Scripted(name="large", text="sure enough", logprobs=[-5.0, -5.0])
    router = make_router(small=small, large=large, policy=FAST.model_copy(update={"retries": 0}),
                         cascade=Cascade(early_stop=EarlyStop(min_logprob=-1.0)))
    assert router.invoke("hi").content == "sure enough"  # large answered for small, unjudged
    assert [(a.tier, a.ok) for a in router.attempts] == [("small", False), ("large", True)]
