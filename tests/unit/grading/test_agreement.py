import math

import pytest
from sklearn.metrics import cohen_kappa_score

from llmopt.errors import ConfigError
from llmopt.grading import Bill, Grade, agreement, agreement_of, agreement_table


def test_perfect_agreement_on_both_labels():
    a = agreement(["same", "different", "same", "different"], [True, False, True, False])
    assert (a.agree, a.rate, a.kappa, a.errors) == (4, 1.0, 1.0, 0)
    assert a.kappa_low == a.kappa_high == 1.0  # the large-sample formula's limit


def test_kappa_by_hand_with_an_error_counted_against():
    # truth: same same different different; verdicts: same error same different
    a = agreement(["same", "error", "same", "different"], [True, True, False, False])
    po, pe = 2 / 4, (2 * 2 + 2 * 1 + 0 * 1) / 16  # same: 2x2, different: 2x1, error: 0x1
    assert a.rate == po and a.errors == 1
    assert a.kappa == pytest.approx((po - pe) / (1 - pe))
    assert a.kappa == pytest.approx(cohen_kappa_score(
        ["same", "same", "different", "different"], ["same", "error", "same", "different"]))
    assert a.confusion == {"same": {"same": 1, "different": 0, "error": 1},
                           "different": {"same": 1, "different": 1, "error": 0}}


def test_a_judge_that_always_says_same_is_no_better_than_chance():
    truth = [True] * 7 + [False] * 3
    a = agreement(["same"] * 10, truth)
    assert a.rate == 0.7 and a.kappa == 0.0 and a.truth_same == 7


def test_a_judge_that_never_parses_agrees_never():
    a = agreement(["error"] * 5, [True, True, False, True, False])
    assert a.rate == 0.0 and a.errors == 5 and a.kappa == 0.0 and a.high < 0.5


def test_kappa_is_undefined_where_both_sides_use_one_label_only():
    a = agreement(["same"] * 6, [True] * 6)
    assert a.rate == 1.0 and a.kappa is None and a.kappa_low is None
    assert a.row()["kappa"] == "n/a"


def test_the_agreement_interval_is_wilsons():
    a = agreement(["same"] * 8 + ["different"] * 2, [True] * 10)
    assert (round(a.low, 4), round(a.high, 4)) == (0.4902, 0.9433)


def test_the_kappa_interval_holds_kappa_and_stays_within_bounds():
    truth = [True] * 30 + [False] * 20
    verdicts = ["same"] * 25 + ["different"] * 5 + ["different"] * 15 + ["same"] * 3 + \
        ["error"] * 2
    a = agreement(verdicts, truth)
    assert -1 <= a.kappa_low < a.kappa < a.kappa_high <= 1
    assert 0.05 < a.kappa_high - a.kappa_low < 0.6


@pytest.mark.parametrize(("verdicts", "truth", "message"), [
    (["same"], [True, False], "must line up"), ([], [], "no pairs"),
    (["same", "yes"], [True, True], "unknown verdict labels \\['yes'\\]"),
])
def test_bad_input_is_named(verdicts, truth, message):
    with pytest.raises(ConfigError, match=message):
        agreement(verdicts, truth)


def test_agreement_of_grades_sums_the_bill_and_counts_the_unpriced():
    bill = Bill(prompt_tokens=100, completion_tokens=10, cost_usd=0.002)
    grades = [Grade(metric="judge", fields={}, correct=True, bill=bill),
              Grade(metric="judge", fields={}, correct=False, bill=bill),
              Grade.undecided("judge", "refused", unpriced=True)]
    a = agreement_of(grades, [True, True, False])
    assert a.metric == "judge" and a.agree == 1 and a.errors == 1
    assert math.isclose(a.cost_usd, 0.004) and a.unpriced == 1
    table = agreement_table([a])
    assert table.loc[0, "same->different"] == 1 and table.loc[0, "different->error"] == 1
