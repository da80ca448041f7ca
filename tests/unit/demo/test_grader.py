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


def test_the_difference_interval_covers_sampling_noise_and_not_a_real_drop():
    lo, hi = grader.difference_interval(32, 60, 192, 298)  # 53% served vs 64% trained
    assert lo < 0 < hi
    lo, hi = grader.difference_interval(20, 60, 192, 298)  # 33% vs 64%: a real drop
    assert hi < 0
    lo, hi = grader.difference_interval(60, 60, 302, 302)  # both perfect: centred, not zero
    assert lo < 0 < hi and hi - lo > 0.02


def test_the_difference_interval_narrows_with_more_requests():
    small = grader.difference_interval(30, 60, 30, 60)
    large = grader.difference_interval(300, 600, 300, 600)
    assert large[1] - large[0] < (small[1] - small[0]) / 3


@pytest.mark.parametrize("hits, n", [(5, 4), (-1, 4), (0, -1)])
def test_the_difference_interval_refuses_impossible_counts(hits, n):
    with pytest.raises(GradeError, match=f"hits={hits}, n={n}"):
        grader.difference_interval(hits, n, 1, 2)
