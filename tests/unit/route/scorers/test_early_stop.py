import pytest
from pydantic import ValidationError

from llmopt.errors import ConfigError
from llmopt.route.scorers import EarlyStop
from llmopt.route.scorers.early_stop import lowest

SURE = [-0.01, -0.02, -0.01, -0.03, -0.01, -0.02]
DOOMED = [-0.01, -0.02, -2.5, -1.9, -0.01, -0.4]  # a recorded stream that goes wrong at token 3


def test_the_abort_point_is_the_token_that_trips_the_rule():
    rule = EarlyStop(min_logprob=-1.0)
    assert rule.abort_at(DOOMED) == 3  # three tokens generated, the third tripped it
    assert rule.abort_at(SURE) is None
    assert [rule.aborts(DOOMED[:n]) for n in range(1, 7)] == [False, False, True, True,
                                                              False, False]


def test_a_window_smooths_one_unsure_token():
    assert EarlyStop(min_logprob=-1.5, window=2).abort_at(DOOMED) == 4  # (-2.5 - 1.9) / 2
    assert EarlyStop(min_logprob=-1.5, window=3).abort_at([-0.1, -3.0, -0.1, -0.1]) is None
    assert EarlyStop(min_logprob=-1.0, window=8).abort_at(DOOMED) is None  # shorter than it
    assert lowest(DOOMED, 2) == pytest.approx(-2.2)
    assert lowest(DOOMED, 7) is None


def test_calibration_keeps_the_false_abort_rate_within_the_target():
    right = [[-0.1, -0.2 * k] for k in range(1, 21)]  # lowest: -0.2, -0.4, ..., -4.0
    wrong = [[-0.1, -5.0], [-0.1, -0.3]]
    streams, correct = right + wrong, [True] * 20 + [False] * 2
    rule = EarlyStop.calibrate(streams, correct, false_abort=0.10)
    assert rule.min_logprob == pytest.approx(-3.6)  # the 2 lowest right answers may go
    assert rule.false_abort_rate(streams, correct) == pytest.approx(0.10)
    assert rule.abort_at(wrong[0]) == 2 and rule.abort_at(wrong[1]) is None
    assert EarlyStop.calibrate(streams, correct, false_abort=0.0).false_abort_rate(
        streams, correct) == 0.0


def test_bad_rules_and_samples_are_named():
    with pytest.raises(ValidationError, match="min_logprob"):
        EarlyStop(min_logprob=0.5)
    with pytest.raises(ValidationError, match="window"):
        EarlyStop(min_logprob=-1, window=0)
    with pytest.raises(ConfigError, match="2 streams but 1 grades"):
        EarlyStop.calibrate([SURE, DOOMED], [True])
    with pytest.raises(ConfigError, match="false-escalation share"):
        EarlyStop.calibrate([SURE], [True], false_abort=1.0)
    with pytest.raises(ConfigError, match="right answers"):
        EarlyStop.calibrate([SURE], [False])
