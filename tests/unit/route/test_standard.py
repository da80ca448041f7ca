"""LangChain's standard unit tests (langchain-tests) for the router, on scripted tiers.

Tool calling and structured output are on: the scripted tiers answer with a tool call when
tools are bound (tests/integration/route/test_router_standard.py runs the suite against vLLM).
"""

from __future__ import annotations

from langchain_tests.unit_tests import ChatModelUnitTests

from llmopt.route import RouterChatModel
from tests.unit.route.conftest import FAST, tiers


class RouterFeatures:
    """What the router supports, as LangChain's standard tests ask (unit and integration)."""

    @property
    def chat_model_class(self) -> type[RouterChatModel]:
        return RouterChatModel

    @property
    def standard_chat_model_params(self) -> dict:
        return {}  # temperature, max_tokens, timeout: set on each tier

    @property
    def has_tool_calling(self) -> bool:
        return True

    @property
    def has_structured_output(self) -> bool:
        return True

    @property
    def supports_model_override(self) -> bool:
        return False  # the router picks the model; a per-call `model` would bypass it


class TestRouterUnit(RouterFeatures, ChatModelUnitTests):
    @property
    def chat_model_params(self) -> dict:
        return {"tiers": tiers(), "policy": FAST}
