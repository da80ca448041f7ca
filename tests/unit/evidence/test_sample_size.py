"""Sample sizes for a paired comparison, against Connor's formula worked by hand."""

import math

import pytest

from llmopt.errors import ConfigError
from llmopt.evidence import detectable_loss_points, plan_table, requests_needed, statement


def test_requests_for_a_two_point_budget() -> None:
    # (1.95996 + 0.84162)^2 * 0.10 / 0.02^2 = 1962.2
    assert requests_needed(2.0, 0.10) == 1963


def test_an_observed_loss_near_the_budget_needs_more() -> None:
    assert requests_needed(2.0, 0.10, difference_points=-1.0) > requests_needed(2.0, 0.10)
    assert requests_needed(2.0, 0.10, difference_points=-2.0) is None


def test_no_discordance_needs_one_request() -> None:
    assert requests_needed(2.0, 0.0) == 1


def test_detectable_loss_is_the_inverse() -> None:
    n = requests_needed(2.0, 0.10)
    assert detectable_loss_points(n, 0.10) <= 2.0 < detectable_loss_points(n - 1, 0.10)
    assert math.isclose(detectable_loss_points(120, 0.10), 8.09, abs_tol=0.01)


@pytest.mark.parametrize(("call", "match"), [
    (lambda: requests_needed(-1, 0.1), "budget must be >= 0"),
    (lambda: requests_needed(2, 1.5), "discordance"),
    (lambda: requests_needed(2, 0.01, difference_points=-5), "at least 5% of the requests"),
    (lambda: detectable_loss_points(0, 0.1), "at least 1 request"),
    (lambda: requests_needed(2, 0.1, power=1.0), "power"),
])
def test_bad_input_is_named(call, match) -> None:
    with pytest.raises(ConfigError, match=match):
        call()


def test_plan_table() -> None:
    table = plan_table(2.0, 120, discordances=(0.10,))
    assert table.loc[0, "requests_needed"] == 1963
    assert math.isclose(table.loc[0, "loss_ruled_out_at_120_points"], 8.09, abs_tol=0.01)


def test_statement() -> None:
    assert statement(120, 2.0, 0.10) == (
        "If 10% of the answers change, 120 paired requests rule out losses above 8.1 points "
        "(95% interval, 80% power): too few to settle a quality budget of 2 points.")
    assert "enough to settle" in statement(2000, 2.0, 0.10)
