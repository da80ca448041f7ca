"""Paired quality: known answers, per tier, and the errors bad input gets."""

import numpy as np
import pytest

from llmopt.errors import ConfigError
from llmopt.evidence import PairedQuality, paired_quality


def test_identical_outcomes_give_a_zero_width_interval() -> None:
    q = paired_quality([True, False] * 15, [True, False] * 15)
    assert (q.difference_points, q.low_points, q.high_points) == (0.0, 0.0, 0.0)
    assert q.discordant == 0 and q.p_value == 1.0 and q.n == 30


def test_one_disagreement_in_thirty() -> None:
    q = paired_quality([True] * 30, [True] * 29 + [False])
    assert q.baseline_only == 1 and q.candidate_only == 0
    assert q.difference_points == pytest.approx(-100 / 30)
    assert q.low_points < -3.3 and q.high_points == 0.0  # the interval holds no change


def test_a_planted_loss_is_found() -> None:
    rng = np.random.default_rng(7)
    base = rng.random(2000) < 0.8
    cand = base.copy()
    cand[np.flatnonzero(base)[:100]] = False  # 100 of 2,000 lose: -5 points
    q = paired_quality(base, cand)
    assert q.difference_points == pytest.approx(-5.0)
    assert -6.5 < q.low_points < q.high_points < -3.5
    assert q.p_value < 1e-20  # exact McNemar: 100 discordant pairs, all one way


def test_the_interval_is_the_same_on_a_rerun() -> None:
    base, cand = [True, False, True, True] * 10, [True, True, False, True] * 10
    assert paired_quality(base, cand) == paired_quality(base, cand)


def test_per_tier() -> None:
    q = paired_quality([True, True, True, True], [True, True, False, False],
                       tiers=["easy", "easy", "hard", "hard"])
    assert q.by_tier["easy"].difference_points == 0.0
    assert q.by_tier["hard"].difference_points == -100.0 and q.by_tier["hard"].n == 2


def test_a_single_changed_request_spans_every_difference() -> None:
    q = paired_quality([True], [False])
    assert (q.low_points, q.high_points) == (-100.0, 100.0)


def test_unchanged_by_construction() -> None:
    q = PairedQuality.unchanged("same weights")
    assert q.interval == "[+0.0, +0.0]" and "same weights" in q.method


@pytest.mark.parametrize(("base", "cand", "match"), [
    ([True, False], [True], "same requests"),
    ([], [], "n=0"),
    ([True, None], [True, True], "True/False"),
])
def test_bad_input_is_named(base, cand, match) -> None:
    with pytest.raises(ConfigError, match=match):
        paired_quality(base, cand)


def test_tiers_must_match_the_requests() -> None:
    with pytest.raises(ConfigError, match="one tier per request"):
        paired_quality([True], [True], tiers=["easy", "hard"])
