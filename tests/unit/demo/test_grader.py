import json

import pytest

from llmopt.demo import generator, grader
from llmopt.errors import GradeError

REF = {"intent": "damaged", "order_id": "482913", "action": "refund", "amount": 108}


def test_exact_match_per_field():
    g = grader.grade(json.dumps(REF | {"amount": 107}), REF)
    assert not g.correct
    assert g.fields == {"intent": True, "order_id": True, "action": True, "amount": False}
    assert grader.grade(json.dumps(REF), REF).correct


def test_amount_must_be_a_number_not_a_string():
    assert not grader.grade(json.dumps(REF | {"amount": "108"}), REF).fields["amount"]


def test_text_around_the_object_is_tolerated():
    assert grader.grade("Sure! " + json.dumps(REF) + " Bye", REF).correct


@pytest.mark.parametrize("output", ["", "refund it", '{"intent": "damaged"', "[1, 2]", "{]"])
def test_malformed_output_is_scored_wrong_with_a_reason(output):
    g = grader.grade(output, REF)
    assert not g.correct and not any(g.fields.values())
    assert g.error


def test_parse_answer_raises_grade_error():
    with pytest.raises(GradeError, match="no JSON object"):
        grader.parse_answer("nothing here")


def test_accuracy_by_tier():
    items = generator.generate(40, seed=1)
    outputs = [json.dumps(i.reference) if i.tier == "easy" else "oops" for i in items]
    table = grader.accuracy(grader.grade_frame(items, outputs))
    assert table.loc["easy", "accuracy"] == 1.0
    assert table.loc["hard", "accuracy"] == 0.0
    assert table.loc["all", "n"] == 40
