from __future__ import annotations

import asyncio

import pytest

from llmopt.errors import ConfigError
from llmopt.route import Budget, BudgetExceeded
from llmopt.route.budget import prompt_token_bound
from tests.unit.route.fakes import Scripted


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

    async def one(i: int) -> str:
        try:
            return (await router.ainvoke(f"request {i}")).text
        except BudgetExceeded:
            return "refused"

    async def many() -> list[str]:
        return await asyncio.gather(*(one(i) for i in range(400)))

    answers = asyncio.run(many())
    assert budget.spent_usd <= budget.limit_usd
    assert budget.refused == answers.count("refused") > 0
    assert budget.reserved_usd == pytest.approx(0.0, abs=1e-12)
    ok = [a for a in router.attempts if a.ok]
    assert budget.spent_usd == pytest.approx(sum(a.cost_usd for a in ok))
