from __future__ import annotations

import pandas as pd
import pytest

from llmopt.cache import sweep
from llmopt.errors import ConfigError


def _lookups() -> pd.DataFrame:
    # an exact repeat, a paraphrase, a near miss (close but wrong), a new request
    return pd.DataFrame({"similarity": [1.0, 0.9, 0.95, -1.0],
                         "served_correct": [True, True, False, False],
                         "cost_usd": [1.0, 2.0, 4.0, 8.0], "latency_s": [0.1, 0.2, 0.4, 0.8]})


def test_curve_counts_hits_false_hits_and_savings() -> None:
    c = sweep.curve(_lookups(), [0.85, 0.96, 1.0]).set_index("threshold")
    assert c.loc[0.85, "hit_rate"] == 0.75 and c.loc[0.85, "false_hit_rate"] == 0.25
    assert c.loc[0.85, "usd_saved"] == 7.0
    assert c.loc[0.96, "hit_rate"] == 0.25 and c.loc[0.96, "false_hit_rate"] == 0.0
    assert c.loc[1.0, "latency_saved_s"] == pytest.approx(0.1)


def test_pick_threshold_keeps_within_the_budget() -> None:
    c = sweep.curve(_lookups(), [0.85, 0.92, 0.96, 1.0])
    assert sweep.pick_threshold(c, 0.0)["threshold"] == 1.0   # ties: the higher threshold
    assert sweep.pick_threshold(c, 0.3)["threshold"] == 0.85


@pytest.mark.parametrize("budget", [-0.1, 1.0])
def test_bad_budget_is_named(budget: float) -> None:
    with pytest.raises(ConfigError, match="false_hit_budget"):
        sweep.pick_threshold(sweep.curve(_lookups()), budget)


def test_unreachable_budget_and_missing_columns_are_named() -> None:
    always_wrong = _lookups().assign(served_correct=False, similarity=1.0)
    with pytest.raises(ConfigError, match="no threshold"):
        sweep.pick_threshold(sweep.curve(always_wrong), 0.0)
    with pytest.raises(ConfigError, match="served_correct"):
        sweep.curve(pd.DataFrame({"similarity": [1.0]}))
