import json

import pytest

from llmopt.demo import generator
from llmopt.errors import ConfigError
from llmopt.grading import FunctionGrader, JsonFields, demo_truth, measure_trust
from llmopt.workload import WorkloadItem

GOLD = {"intent": "cancel", "order_id": "185000", "action": "cancel", "amount": 29}
RIGHT = json.dumps(GOLD)


@pytest.mark.parametrize(("candidate", "reference", "same"), [
    (RIGHT, RIGHT, True),
    ('{"amount": 29, "intent": "cancel", "order_id": "185000", "action": "cancel"}', RIGHT,
     True),
    (json.dumps(GOLD | {"amount": 30}), json.dumps(GOLD | {"amount": 30}), True),  # both wrong
    (json.dumps(GOLD | {"amount": 30}), RIGHT, False),
    (json.dumps(GOLD | {"amount": "29"}), RIGHT, False),
    ("not json", RIGHT, False),
    (RIGHT, "not json", False),
    ("not json", " not json ", True),  # identical texts
    ("broken {", "other broken", False),
])
def test_demo_truth_is_the_same_value_on_every_gold_field(candidate, reference, same):
    assert demo_truth(candidate, reference, GOLD) is same


def test_json_fields_agree_with_the_truth_on_demo_answers():
    items = generator.generate(12, seed=3)
    references = [json.dumps(i.reference) for i in items]
    candidates = [r if n % 3 else json.dumps(i.reference | {"amount": -1})
                  for n, (i, r) in enumerate(zip(items, references, strict=True))]
    candidates[1] = "no answer"
    trust = measure_trust(JsonFields(), items, candidates, references)
    a = trust.agreement
    assert a.metric == "json_fields" and a.n == 12 and a.rate == 1.0 and a.kappa == 1.0
    assert a.confusion["different"]["different"] == 5 and a.cost_usd == 0.0
    assert trust.frame(items)["truth"].sum() == 7


def test_a_grader_that_always_says_same_is_measured_as_such():
    items = generator.generate(4, seed=0)
    references = [json.dumps(i.reference) for i in items]
    always = FunctionGrader(function=lambda *_: True, spec="m:always")
    a = measure_trust(always, items, ["x", *references[1:]], references).agreement
    assert a.rate == 0.75 and a.kappa == 0.0 and a.metric == "m:always"


def test_the_truth_needs_gold_fields():
    items = [WorkloadItem(id="1", system="s", user="u")]
    with pytest.raises(ConfigError, match="1 items have no gold fields"):
        measure_trust(JsonFields(), items, ["x"], ["x"])
