from __future__ import annotations

import asyncio
import threading
import time

import pytest
from langchain_core.messages import convert_to_messages

from llmopt.errors import ConfigError
from llmopt.route import Budget, BudgetExceeded
from llmopt.route.budget import Reservation, prompt_token_bound
from tests.unit.route.fakes import Scripted


def ainvoke_all(router, prompts: list[str]) -> list[str]:
    """Every prompt through `router.ainvoke` at once; "refused" where the budget said no."""
    async def one(prompt: str) -> str:
        try:
            return (await router.ainvoke(prompt)).text
        except BudgetExceeded:
            return "refused"

    async def many() -> list[str]:
        return await asyncio.gather(*(one(p) for p in prompts))

    return asyncio.run(many())


def test_reserve_refuses_the_call_that_would_cross():
    budget = Budget(1.0)
    held = budget.reserve(0.6)
    with pytest.raises(BudgetExceeded, match="would cross"):
        budget.reserve(0.5)
    budget.settle(held, 0.1)
    budget.reserve(0.5)
    assert budget.refused == 1 and budget.spent_usd == pytest.approx(0.1)


def test_alerts_fire_once_each():
    seen = []
    budget = Budget(1.0, alerts=[0.5, 0.8], on_alert=lambda t, s, lim: seen.append(t))
    for _ in range(10):
        budget.settle(budget.reserve(0.1), 0.1)
    assert seen == [0.5, 0.8]


def test_bad_limits_are_named():
    with pytest.raises(ConfigError, match="limit_usd"):
        Budget(0)
    with pytest.raises(ConfigError, match="alert thresholds"):
        Budget(1, alerts=[1.5])


def test_prompt_bound_counts_bytes_and_template():
    assert prompt_token_bound(["abc", "é"]) == 3 + 2 + 2 * 16


def test_hundreds_of_concurrent_calls_never_exceed_the_budget(make_router):
    small = Scripted(name="small", text="a b c d e f g h")
    router = make_router(small=small)
    one_call = router.tiers[0].cost(10, 8)
    budget = Budget(one_call * 120)
    router.budget = budget

    answers = ainvoke_all(router, [f"request {i}" for i in range(400)])
    assert budget.spent_usd <= budget.limit_usd
    assert budget.refused == answers.count("refused") > 0
    assert budget.reserved_usd == pytest.approx(0.0, abs=1e-12)
    ok = [a for a in router.attempts if a.ok]
    assert budget.spent_usd == pytest.approx(sum(a.cost_usd for a in ok))


def _until(condition, what: str) -> None:
    """Wait (on the budget's own counters, not on a clock) until `condition()` holds."""
    deadline = time.monotonic() + 30
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.001)


def test_a_call_that_fits_the_limit_waits_for_held_worst_cases_to_settle():
    budget = Budget(1.0, wait_s=60)
    held = budget.reserve(0.6)
    admitted = []
    waiter = threading.Thread(target=lambda: admitted.append(budget.reserve(0.5)))
    waiter.start()
    _until(lambda: budget.waited >= 1, "the second call waits")
    budget.settle(held, 0.1)
    waiter.join()
    assert admitted and budget.refused == 0
    assert budget.spent_usd + budget.reserved_usd == pytest.approx(0.6)


def test_a_call_that_can_never_fit_is_refused_at_once_even_with_wait():
    budget = Budget(1.0, wait_s=60)
    budget.settle(budget.reserve(0.6), 0.6)
    with pytest.raises(BudgetExceeded, match="would cross"):
        budget.reserve(0.5)
    assert budget.waited == 0 and budget.refused == 1


def test_waiting_ends_in_a_refusal_after_wait_s():
    budget = Budget(1.0, wait_s=0.01)
    budget.reserve(0.6)
    with pytest.raises(BudgetExceeded):
        budget.reserve(0.5)
    assert budget.waited >= 1 and budget.refused == 1 and budget.reserved_usd == 0.6


def test_async_wait_does_not_block_the_event_loop():
    async def scenario() -> Reservation:
        budget = Budget(1.0, wait_s=60)
        held = budget.reserve(0.6)
        task = asyncio.create_task(budget.areserve(0.5))
        while budget.waited == 0:
            await asyncio.sleep(0)
        budget.settle(held, 0.1)
        return await task

    assert asyncio.run(scenario()).usd == 0.5


@pytest.mark.parametrize("wait_s", [0.0, 60.0])
def test_concurrent_calls_fill_the_budget_up_to_one_worst_case(make_router, wait_s):
    small = Scripted(name="small", text="a b c d e f g h")
    router = make_router(small=small)
    tier = router.tiers[0]
    actual = tier.cost(small.prompt_tokens, 8)
    worst = tier.cost(tier.prompt_tokens(convert_to_messages(["request 10"])), tier.max_tokens)
    budget = Budget(actual * 40.5, wait_s=wait_s)
    router.budget = budget

    answers = ainvoke_all(router, [f"request {10 + i}" for i in range(80)])
    admitted = len(answers) - budget.refused
    assert budget.spent_usd == pytest.approx(admitted * actual) and admitted <= 40
    assert budget.reserved_usd == pytest.approx(0.0, abs=1e-12)
    assert budget.refused == answers.count("refused")
    if wait_s:  # refused only once settled spend left less than one worst case
        assert budget.limit_usd - budget.spent_usd < worst
