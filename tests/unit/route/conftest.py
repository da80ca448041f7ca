"""Routers over scripted tiers priced as the demo models."""

from __future__ import annotations

import pytest

from llmopt.route import FallbackPolicy, RouterChatModel, Tier
from tests.unit.route.fakes import Scripted

FAST = FallbackPolicy(retries=2, backoff_s=0.0, max_backoff_s=0.0, cooldown_s=60)


def tiers(small: Scripted | None = None, large: Scripted | None = None) -> list[Tier]:
    return [Tier(name="small", model=small or Scripted(name="small", text="small answer"),
                 priced_as="demo:small", max_tokens=32),
            Tier(name="large", model=large or Scripted(name="large", text="large answer"),
                 priced_as="demo:large", max_tokens=32)]


@pytest.fixture
def make_router():
    def make(small: Scripted | None = None, large: Scripted | None = None, **kwargs):
        return RouterChatModel(tiers=tiers(small, large), policy=kwargs.pop("policy", FAST),
                               **kwargs)
    return make
