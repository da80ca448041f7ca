from __future__ import annotations

import pytest
from langchain_core.messages import convert_to_messages

from llmopt.demo import assets
from llmopt.demo.generator import generate
from llmopt.errors import ConfigError
from llmopt.profile import resolve_model
from llmopt.route import Tier
from llmopt.route.budget import prompt_token_bound
from tests.unit.route.fakes import Scripted


def tier(**kwargs) -> Tier:
    return Tier(name="small", model=Scripted(name="small"), priced_as="demo:small", **kwargs)


def test_the_tiers_tokenizer_counts_the_prompt_with_its_chat_template():
    messages = convert_to_messages(generate(1, seed=0)[0].messages())
    exact = tier(tokenizer=resolve_model("demo:small")).prompt_tokens(messages)
    ticket = tier(tokenizer=resolve_model("demo:small")).prompt_tokens(messages[1:])
    bound = tier().prompt_tokens(messages)
    assert bound == prompt_token_bound([m.text for m in messages])
    assert 0 < ticket < exact < bound / 3  # the byte bound is loose; the count is not


def test_a_folder_without_a_tokenizer_is_named(tmp_path):
    with pytest.raises(ConfigError, match=str(tmp_path)):
        tier(tokenizer=str(tmp_path)).prompt_tokens(convert_to_messages(["hi"]))


def test_output_cap_is_the_calls_max_tokens():
    t = tier(max_tokens=48)
    assert t.output_cap({}) == 48 and t.output_cap({"max_tokens": 8}) == 8
    with pytest.raises(ConfigError, match="max_tokens"):
        t.output_cap({"max_tokens": None})


def test_a_served_tier_is_priced_and_counted_as_its_server_says():
    from types import SimpleNamespace

    from llmopt.serve import ServeConfig

    server = SimpleNamespace(base_url="http://127.0.0.1:9/v1", model_name="demo:small",
                             config=ServeConfig(model=str(assets.model_dir("small")),
                                                served_model_name="demo:small"))
    tier = Tier.served("cheap", server, max_tokens=16)
    assert (tier.priced_as, tier.max_tokens, tier.tokenizer) == ("demo:small", 16,
                                                                   str(assets.model_dir("small")))
    assert tier.model.openai_api_base == "http://127.0.0.1:9/v1"
    assert tier.price().input > 0


def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


def test_tools_are_bound_by_the_tiers_own_model_over_what_it_had():
    t = Tier(name="small", model=Scripted(name="small").bind(temperature=0),
             priced_as="demo:small")
    tooled = t.with_tools([add], "any", {"parallel_tool_calls": False})
    model, bound = tooled._parts()
    assert isinstance(model, Scripted) and bound["temperature"] == 0
    assert [x["function"]["name"] for x in bound["tools"]] == ["add"]
    assert (bound["tool_choice"], bound["parallel_tool_calls"]) == ("any", False)
    assert t._parts()[1] == {"temperature": 0}  # the tier itself is unchanged


def test_a_model_that_cannot_call_tools_is_named():
    from tests.unit.route.fakes import NoTools

    t = Tier(name="legacy", model=NoTools(name="legacy"), priced_as="demo:small")
    with pytest.raises(ConfigError, match="tier 'legacy'.*NoTools.*cannot call tools"):
        t.with_tools([add], None, {})


def test_the_budgets_prompt_count_includes_the_bound_tools():
    messages = convert_to_messages(["hi"])
    plain = tier()
    assert plain.with_tools([add], None, {}).prompt_tokens(messages) > plain.prompt_tokens(messages)
