import math

import pytest

from llmopt.demo import generator
from llmopt.demo import grader as demo
from llmopt.errors import ConfigError
from llmopt.grading import Bill, Grade, JsonFields, grades_frame


def test_a_grade_is_a_demo_grade_with_a_label():
    assert isinstance(Grade(fields={}, correct=True), demo.Grade)
    assert Grade(fields={}, correct=True).label == "same"
    assert Grade(fields={}, correct=False).label == "different"
    assert Grade.undecided("judge", "no verdict").label == "error"


def test_an_undecided_grade_is_never_a_pass():
    g = Grade.undecided("judge", "judge call failed")
    assert not g.correct and not g.decided and g.error == g.reason == "judge call failed"


def test_cost_is_zero_without_a_call_the_bill_with_one_and_unknown_when_unbilled():
    assert Grade(fields={}, correct=True).cost_usd == 0.0
    bill = Bill(prompt_tokens=10, completion_tokens=2, cost_usd=0.001)
    assert Grade(fields={}, correct=True, bill=bill).cost_usd == 0.001
    assert math.isnan(Grade.undecided("judge", "refused", unpriced=True).cost_usd)


def test_grades_frame_has_one_row_per_request():
    items = generator.generate(3, seed=0)
    grades = [Grade(fields={}, correct=True), Grade.undecided("judge", "x", unpriced=True),
              Grade(fields={}, correct=False)]
    frame = grades_frame(items, grades)
    assert list(frame["label"]) == ["same", "error", "different"]
    assert list(frame["id"]) == [i.id for i in items] and frame["cost_usd"].isna().sum() == 1
    with pytest.raises(ConfigError, match="line up"):
        grades_frame(items, grades[:2])


def test_grade_all_needs_outputs_items_and_references_one_to_one():
    items = generator.generate(2, seed=0)
    with pytest.raises(ConfigError, match=r"outputs \(1\), items \(2\) and references \(2\)"):
        JsonFields().grade_all(["{}"], items, [None, None])
