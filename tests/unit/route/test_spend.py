from __future__ import annotations

import pytest

from llmopt.errors import ConfigError
from llmopt.route import SpendTracker
from tests.unit.route.fakes import Scripted


def test_spend_is_priced_and_attributed_by_tags(make_router):
    router = make_router()
    tracker = SpendTracker()
    for tenant in ["acme", "acme", "globex"]:
        router.invoke("hi", config={"callbacks": [tracker],
                                    "metadata": {"tenant": tenant, "feature": "refunds"}})
    by_tenant = tracker.by("tenant").set_index("tenant")
    assert by_tenant.loc["acme", "calls"] == 2 and by_tenant.loc["globex", "calls"] == 1
    assert tracker.total_usd == pytest.approx(sum(a.cost_usd for a in router.attempts))


def test_a_model_outside_the_router_is_priced_by_name_or_counted_unpriced():
    model = Scripted(name="small")
    tracker = SpendTracker()
    model.invoke("hi", config={"callbacks": [tracker]})
    assert tracker.unpriced == 1 and tracker.total_usd == 0  # no price: counted, not $0
    priced = SpendTracker(prices={"small": "demo:small"})  # the run's name
    model.invoke("hi", config={"callbacks": [priced]})
    assert priced.unpriced == 0 and priced.total_usd > 0


def test_unknown_key_is_named():
    with pytest.raises(ConfigError, match="unknown spend key"):
        SpendTracker().by("region")


def test_streamed_calls_are_priced_and_attributed_too(make_router):
    router = make_router()
    tracker = SpendTracker()
    list(router.stream("hi", config={"callbacks": [tracker], "metadata": {"tenant": "acme"}}))
    assert tracker.frame()["tenant"].tolist() == ["acme"]
    assert tracker.total_usd == pytest.approx(router.attempts[0].cost_usd)


@pytest.mark.parametrize("streamed", [False, True])
def test_usage_is_counted_once_by_langchain_and_by_the_tracker(make_router, streamed):
    from langchain_core.callbacks import get_usage_metadata_callback

    router = make_router()
    tracker = SpendTracker()
    with get_usage_metadata_callback() as usage:
        config = {"callbacks": [tracker]}
        if streamed:
            list(router.stream("hi", config=config))
        else:
            router.invoke("hi", config=config)
    (attempt,) = router.attempts
    assert usage.usage_metadata == {"demo:small": {
        "input_tokens": attempt.prompt_tokens, "output_tokens": attempt.output_tokens,
        "total_tokens": attempt.prompt_tokens + attempt.output_tokens}}
    (row,) = tracker.rows
    assert (row["model"], row["prompt_tokens"], row["output_tokens"]) == (
        "demo:small", attempt.prompt_tokens, attempt.output_tokens)
