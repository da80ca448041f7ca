"""The judge's error paths, with a faked chat model; its verdicts, usage and bill on a real
server are in tests/integration/test_judge_vllm.py."""

import math

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from llmopt.demo import generator
from llmopt.errors import ConfigError
from llmopt.grading import RESPONSE_FORMAT, Judge
from llmopt.route import Tier
from tests.unit.route.fakes import Scripted, api_error, refused

ITEMS = generator.generate(3, seed=0)
REF = '{"intent": "cancel", "order_id": "185000", "action": "cancel", "amount": 29}'


def judge(model, **options) -> Judge:
    return Judge(tier=Tier(name="judge", model=model, priced_as="demo:small", max_tokens=32),
                 **options)


@pytest.mark.parametrize("reply", ["Same.", '{"verdict": "same"}', '{"intent": "cancel"}', ""])
def test_an_unparseable_verdict_is_an_error_never_a_pass_and_is_still_billed(reply):
    g = judge(FakeListChatModel(responses=[reply])).grade(REF, ITEMS[0], REF)
    assert not g.correct and not g.decided and g.label == "error"
    assert g.error.startswith("unparseable verdict: ")
    assert g.bill is not None and g.bill.estimated and g.bill.cost_usd > 0
    assert g.bill.completion_tokens == 32  # no usage reported: the output cap, an upper bound


@pytest.mark.parametrize(("error", "kind"), [(api_error(500), "server_error"),
                                             (refused(), "connection")])
def test_a_failed_call_is_an_error_with_its_class_and_an_unknown_cost(error, kind):
    g = judge(Scripted(script=[error])).grade(REF, ITEMS[0], REF)
    assert g.label == "error" and g.error.startswith(f"judge call failed ({kind}): ")
    assert g.bill is None and g.unpriced and math.isnan(g.cost_usd)


def test_no_reference_is_an_error_without_a_call():
    model = FakeListChatModel(responses=["never sent"])
    g = judge(model).grade(REF, ITEMS[0], None)
    assert g.error == "no reference answer" and g.bill is None and not g.unpriced
    assert model.i == 0


def test_grade_all_keeps_the_order_and_needs_pairs_one_to_one():
    replies = [f"reply {i}" for i in range(3)]
    grades = judge(FakeListChatModel(responses=replies), concurrency=1).grade_all(
        [REF] * 3, ITEMS, [REF] * 3)
    assert [g.error.split("'")[-2] for g in grades] == replies
    with pytest.raises(ConfigError, match="line up"):
        judge(FakeListChatModel(responses=["x"])).grade_all([REF], ITEMS, [REF])


def test_calls_are_greedy_and_structured_sends_the_verdict_schema():
    assert judge(FakeListChatModel(responses=["x"])).call_kwargs() == {"temperature": 0.0}
    structured = judge(FakeListChatModel(responses=["x"]), structured=True, temperature=None)
    assert structured.call_kwargs() == {"extra_body": {"response_format": RESPONSE_FORMAT}}
    schema = RESPONSE_FORMAT["json_schema"]["schema"]
    assert schema["properties"]["verdict"]["enum"] == ["same", "different"]
    assert schema["required"] == ["verdict", "reason"]
