import math

import pandas as pd
import pytest

from llmopt.errors import ConfigError
from llmopt.report.quality import accuracy, accuracy_by_tier, outcomes


def test_ungraded_requests_are_left_out() -> None:
    frame = pd.DataFrame({"status": ["ok", "ok", "error", "ok"],
                          "correct": [True, False, False, None]})
    assert outcomes(frame).tolist()[:3] == [1.0, 0.0, 0.0]
    assert math.isnan(outcomes(frame).iloc[3])
    assert accuracy(frame) == pytest.approx(1 / 3)


def test_accuracy_leaves_warmup_out(requests: pd.DataFrame) -> None:
    # measured: easy 3/4, hard 2/5 ok-correct plus 1 failed -> 5/10
    assert accuracy(requests) == pytest.approx(0.5)


def test_accuracy_is_none_without_grades() -> None:
    assert accuracy(pd.DataFrame({"correct": [None, None]})) is None


def test_accuracy_by_tier_by_hand(requests: pd.DataFrame) -> None:
    table = accuracy_by_tier(requests)
    assert table.to_dict("list") == {
        "tier": ["easy", "hard", "overall"], "n": [4, 6, 10], "correct": [3, 2, 5],
        "accuracy": [0.75, pytest.approx(1 / 3), 0.5],
    }


def test_accuracy_by_tier_names_missing_columns() -> None:
    with pytest.raises(ConfigError, match="lacks column\\(s\\) tier"):
        accuracy_by_tier(pd.DataFrame({"correct": [True]}))
