import pytest

from llmopt import results
from llmopt.errors import ConfigError
from llmopt.report.decision import COLUMNS, Measure, decide, save_table

BASE = Measure(cost=100.0, latency=2.0, accuracy=0.90)


def test_cheaper_at_the_same_quality_is_kept():
    row = decide("compression", "rate 0.5", BASE, Measure(cost=60.0, latency=2.0, accuracy=0.895))
    assert row["keep"] and row["delta_cost_pct"] == -40.0 and row["delta_latency_pct"] == 0.0
    assert row["delta_quality_points"] == -0.5


def test_losing_more_than_the_limit_is_dropped_with_the_reason():
    row = decide("compression", "rate 0.3", BASE, Measure(cost=30.0, latency=1.0, accuracy=0.80))
    assert not row["keep"] and "10.0 accuracy points" in row["why"]


def test_no_saving_is_dropped():
    row = decide("quant", "w8a8", BASE, Measure(cost=110.0, latency=2.5, accuracy=0.91))
    assert not row["keep"] and row["why"] == "neither cheaper nor faster"


def test_negative_limit_is_rejected():
    with pytest.raises(ConfigError, match="max_quality_drop"):
        decide("x", "y", BASE, BASE, max_quality_drop=-1)


def test_saved_table_round_trips(tmp_path):
    frame = save_table(tmp_path, "02_x", [decide("x", "y", BASE, BASE)], chosen_rate=0.5)
    assert list(frame.columns) == COLUMNS
    saved = results.load(tmp_path, "02_x")
    assert saved["chosen_rate"] == 0.5 and saved["decisions"][0]["setting"] == "y"
