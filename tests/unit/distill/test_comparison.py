import json

from llmopt.distill.comparison import agreement

A = json.dumps({"intent": "damaged", "order_id": "123456", "action": "refund", "amount": 3})
B = json.dumps({"intent": "damaged", "order_id": "123456", "action": "replace", "amount": 0})


def test_agreement_counts_answers_that_parse_to_the_same_fields():
    assert agreement([A, A, B, A], [A, " " + A + " ", A, "no answer"]) == 0.5
    assert agreement(["no answer"], ["no answer"]) == 0.0  # two failures do not agree
    assert agreement([], []) == 0.0
