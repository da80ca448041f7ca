from __future__ import annotations

import pytest

from llmopt.errors import ConfigError
from llmopt.route import Cooldown, FallbackPolicy
from llmopt.route.errors import ErrorClass


def test_order_puts_the_routed_tier_first_then_the_task_chain():
    policy = FallbackPolicy(chains={"refunds": ["large", "medium", "small"]})
    tiers = ["small", "medium", "large"]
    assert policy.order("small", tiers, "refunds") == ["small", "large", "medium"]
    assert policy.order("medium", tiers) == ["medium", "large", "small"]
    with pytest.raises(ConfigError, match="unknown tier"):
        policy.order("huge", tiers)


def test_cooldown_skips_a_failed_model_until_it_expires():
    now = [0.0]
    cooldown = Cooldown(10, clock=lambda: now[0])
    cooldown.note("small", ErrorClass.connection)
    cooldown.note("large", ErrorClass.context_window)  # not a model fault: no cooldown
    assert cooldown.available(["small", "large"]) == ["large"]
    now[0] = 11
    assert cooldown.available(["small", "large"]) == ["small", "large"]


def test_all_cooling_still_leaves_something_to_try():
    cooldown = Cooldown(10, clock=lambda: 0.0)
    cooldown.note("small", ErrorClass.rate_limit)
    assert cooldown.available(["small"]) == ["small"]


def test_policy_rejects_unknown_fields():
    with pytest.raises(ValueError, match="retry"):
        FallbackPolicy(retry=3)
