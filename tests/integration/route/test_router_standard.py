"""LangChain's own standard chat-model tests (langchain-tests) for the router, against a real
vLLM server of the demo `small` model with tool calling on (TOOL_ARGS in
tests/integration/conftest.py; both tiers call it, the cheap one without and the strong one
with a log-probability request).

Tool calling, tool choice and structured output are on. Four tests ask more of the model than
a 5M-parameter ticket model has, and are expected to fail on its answer, not on the router:
`test_tool_calling` (and its async twin) wants `magic_function(3)` read off the question (the
model, forced into the tool's schema, writes another integer), `test_unicode_tool_call_
integration` wants a customer's name copied into the call, `test_agent_loop` wants a call made
unasked (`auto`: the demo models never call a tool on their own). The router's part of
each, on the same server, is in test_router_tools.py. Skipped through the suite's properties:
JSON mode, images, audio, PDFs and Anthropic-style inputs (text-only models), model override
(the router's model is its tiers).
"""

from __future__ import annotations

import inspect

import pytest
from langchain_tests.integration_tests import ChatModelIntegrationTests

from llmopt.route import FallbackPolicy, Tier
from llmopt.route.scorers import HeuristicScorer
from llmopt.serve import VllmServer
from tests.unit.route.test_standard import RouterFeatures

pytestmark = [pytest.mark.vllm, pytest.mark.slow]

ANSWERS_FROM_THE_MODEL = pytest.mark.xfail(
    strict=True, raises=AssertionError,
    reason="asks the 5M-parameter demo model to understand the request (see the module's doc)")


@pytest.fixture(scope="module", autouse=True)
def _server(demo_small_server):
    TestRouterStandard.server = demo_small_server


class TestRouterStandard(RouterFeatures, ChatModelIntegrationTests):
    server: VllmServer

    @property
    def chat_model_params(self) -> dict:
        url, name = self.server.base_url, self.server.model_name
        one_call = {"model_kwargs": {"parallel_tool_calls": False}}  # else a forced call repeats
        return {"tiers": [Tier.openai("cheap", url, name, "demo:small", max_tokens=96, **one_call),
                          Tier.openai("strong", url, name, "demo:small", max_tokens=96,
                                      logprobs=True, **one_call)],
                "scorer": HeuristicScorer(), "thresholds": [0.5],
                "policy": FallbackPolicy(retries=1, backoff_s=0.05, cooldown_s=5)}

    @property
    def has_tool_choice(self) -> bool:
        return True

    @property
    def supports_json_mode(self) -> bool:
        return False

    @property
    def supported_usage_metadata_details(self) -> dict:
        return {"invoke": [], "stream": []}

    @ANSWERS_FROM_THE_MODEL
    def test_tool_calling(self, model) -> None:
        super().test_tool_calling(model)

    @ANSWERS_FROM_THE_MODEL
    @pytest.mark.asyncio(loop_scope="session")
    async def test_tool_calling_async(self, model) -> None:
        await super().test_tool_calling_async(model)

    @ANSWERS_FROM_THE_MODEL
    def test_agent_loop(self, model) -> None:
        super().test_agent_loop(model)

    @ANSWERS_FROM_THE_MODEL
    def test_unicode_tool_call_integration(self, model, **kwargs) -> None:
        super().test_unicode_tool_call_integration(model, **kwargs)


# langchain-tests leaves its async tests unmarked, for projects in asyncio_mode=auto; this one
# runs pytest-asyncio in strict mode, and the suite forbids overriding its tests but to xfail
# them. So its coroutine tests are marked where they are defined, on one loop for the session
# (langchain-openai caches its async HTTP client per process; a loop per test would close its
# sockets' loop).
for _name in dir(ChatModelIntegrationTests):
    _test = getattr(ChatModelIntegrationTests, _name)
    if _name.startswith("test_") and inspect.iscoroutinefunction(_test):
        marks = [m.name for m in getattr(_test, "pytestmark", [])]
        if "asyncio" not in marks:
            pytest.mark.asyncio(loop_scope="session")(_test)
