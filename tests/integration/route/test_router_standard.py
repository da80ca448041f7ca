"""LangChain's own standard chat-model tests (langchain-tests) for the router, against a real
vLLM server of the demo `small` model (one server, shared by the module; both tiers call it,
the cheap one without and the strong one with a log-probability request).

Skipped through the suite's capability properties, with the reason: tool calling, tool choice,
structured output and JSON mode (a 5M-parameter demo model answers only in its ticket format;
the router passes `bind_tools`/structured output to no tier), images, audio, PDFs and
Anthropic-style inputs (text-only models), model override (the router's model is its tiers).
"""

from __future__ import annotations

import inspect

import pytest
from langchain_tests.integration_tests import ChatModelIntegrationTests

from llmopt.profile import Profile
from llmopt.route import FallbackPolicy, Tier
from llmopt.route.scorers import HeuristicScorer
from llmopt.serve import VllmServer
from llmopt.settings import REPO_ROOT
from tests.unit.route.test_standard import RouterFeatures

pytestmark = [pytest.mark.vllm, pytest.mark.slow]


@pytest.fixture(scope="module", autouse=True)
def demo_small_server():
    pilot = Profile.load(REPO_ROOT / "cookbook/profiles/demo.yaml")
    pilot.prepare()
    with pilot.server("draft", extra_args=["-O0"]) as server:
        TestRouterStandard.server = server
        yield server


class TestRouterStandard(RouterFeatures, ChatModelIntegrationTests):
    server: VllmServer

    @property
    def chat_model_params(self) -> dict:
        url, name = self.server.base_url, self.server.model_name
        return {"tiers": [Tier.openai("cheap", url, name, "demo:small", max_tokens=32),
                          Tier.openai("strong", url, name, "demo:small", max_tokens=32,
                                      logprobs=True)],
                "scorer": HeuristicScorer(), "thresholds": [0.5],
                "policy": FallbackPolicy(retries=1, backoff_s=0.05, cooldown_s=5)}

    @property
    def has_tool_choice(self) -> bool:
        return False

    @property
    def supports_json_mode(self) -> bool:
        return False

    @property
    def supported_usage_metadata_details(self) -> dict:
        return {"invoke": [], "stream": []}


# langchain-tests leaves its async tests unmarked, for projects in asyncio_mode=auto; this one
# runs pytest-asyncio in strict mode, and the suite forbids overriding its tests. So its
# coroutine tests are marked where they are defined, on one loop for the session (langchain-
# openai caches its async HTTP client per process; a loop per test would close its sockets' loop).
for _name in dir(ChatModelIntegrationTests):
    _test = getattr(ChatModelIntegrationTests, _name)
    if _name.startswith("test_") and inspect.iscoroutinefunction(_test):
        marks = [m.name for m in getattr(_test, "pytestmark", [])]
        if "asyncio" not in marks:
            pytest.mark.asyncio(loop_scope="session")(_test)
