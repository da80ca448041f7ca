import json

import pytest

from llmopt.demo import generator
from llmopt.grading import JsonFields

ITEM = generator.generate(1, seed=0)[0]
REF = {"intent": "damaged", "order_id": "482913", "action": "refund", "amount": 108}
GRADE = JsonFields().grade


@pytest.mark.parametrize("reference", [REF, json.dumps(REF), "\n" + json.dumps(REF) + "  "])
def test_the_same_fields_agree_whatever_form_the_reference_takes(reference):
    g = GRADE(json.dumps(REF), ITEM, reference)
    assert g.correct and g.decided and g.label == "same" and g.metric == "json_fields"
    assert g.reason == "same value on all 4 fields"


def test_the_demo_graders_rules_hold_field_order_extra_fields_and_text_around():
    shuffled = {k: REF[k] for k in reversed(REF)} | {"note": "extra"}
    assert GRADE("Here you go: " + json.dumps(shuffled) + " Bye", ITEM, REF).correct


def test_a_different_field_disagrees_and_says_which_with_both_values():
    g = GRADE(json.dumps(REF | {"amount": 107}), ITEM, json.dumps(REF))
    assert not g.correct and g.decided and g.label == "different"
    assert g.fields == {"intent": True, "order_id": True, "action": True, "amount": False}
    assert g.reason == "differs on amount (got 107, reference 108)"


@pytest.mark.parametrize(("value", "shown"), [("108", "'108'"), (108.0, "108.0"),
                                              (True, "True")])
def test_an_integer_must_be_an_integer(value, shown):
    g = GRADE(json.dumps(REF | {"amount": value}), ITEM, REF)
    assert not g.correct and f"amount (got {shown}, reference 108)" in g.reason


def test_a_missing_field_disagrees():
    g = GRADE(json.dumps({k: v for k, v in REF.items() if k != "action"}), ITEM, REF)
    assert not g.correct and "action (got '<missing>', reference 'refund')" in g.reason


@pytest.mark.parametrize(("output", "why"), [
    ("", "no JSON object"), ("I would refund it.", "no JSON object"),
    ('{"intent": "damaged", "amount": 1', "no JSON object"),
    ('{"intent": "damaged",, }', "malformed JSON"), ("[1, 2]", "no JSON object"),
])
def test_a_malformed_answer_is_a_disagreement_with_the_reason(output, why):
    g = GRADE(output, ITEM, REF)
    assert g.decided and not g.correct and g.label == "different"
    assert why in g.error and g.reason == g.error and not any(g.fields.values())


@pytest.mark.parametrize(("reference", "why"), [
    (None, "no reference answer"), ("Refund the customer.", "not a JSON object"),
    ("[1, 2]", "not a JSON object"), ({}, "not a JSON object"),
])
def test_without_a_json_object_reference_there_is_no_verdict(reference, why):
    g = GRADE(json.dumps(REF), ITEM, reference)
    assert not g.decided and g.label == "error" and why in g.error
