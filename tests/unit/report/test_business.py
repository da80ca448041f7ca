"""The business case's charts: the waterfall's bars and the tornado's ranges."""

from __future__ import annotations

import math

import altair as alt
import pandas as pd
import pytest

from llmopt.errors import ConfigError
from llmopt.report.business import AFTER, COSTS, SAVES, TOTAL, tornado, waterfall
from tests.unit.report.test_charts import data_of


@pytest.fixture
def steps() -> pd.DataFrame:
    return pd.DataFrame({"step": ["baseline", "compression", "longer answers", "AWQ"],
                         "usd_per_million_requests": [900.0, 600.0, 660.0, 500.0],
                         "accuracy": [0.9, 0.9, 0.91, 0.89]})


@pytest.fixture
def sensitivity() -> pd.DataFrame:
    rows = [("utilisation", "10%", 100.0), ("utilisation", "90%", 500.0),
            ("GPU price", "on demand", 400.0), ("GPU price", "spot", None),
            ("API price fall", "1x", 400.0), ("API price fall", "10x", -300.0)]
    return pd.DataFrame(rows, columns=["factor", "level", "monthly_saving_usd"])


def test_waterfall_steps_from_the_baseline_to_after_the_stack(steps):
    chart = waterfall(steps, label="Demo world")
    spec = chart.to_dict()
    assert isinstance(chart, alt.LayerChart)
    bars = data_of(spec)
    assert [b["step"] for b in bars] == [*steps["step"], AFTER]
    assert [b["kind"] for b in bars] == [TOTAL, SAVES, COSTS, SAVES, TOTAL]
    assert [(b["start"], b["end"]) for b in bars] == [
        (0.0, 900.0), (900.0, 600.0), (600.0, 660.0), (660.0, 500.0), (0.0, 500.0)]
    assert [b["text"] for b in bars] == ["$900.00", "-$300.00", "+$60.00", "-$160.00",
                                         "$500.00"]
    assert bars[-1]["accuracy"] == 0.89
    assert spec["title"]["subtitle"] == "Demo world"
    assert spec["layer"][0]["encoding"]["x"]["sort"] == [*steps["step"], AFTER]


def test_waterfall_without_accuracy(steps):
    spec = waterfall(steps.drop(columns="accuracy")).to_dict()
    assert len(spec["layer"]) == 2
    assert "accuracy" not in spec["title"]["text"]


def test_waterfall_of_one_step_has_no_after_bar(steps):
    assert [b["step"] for b in data_of(waterfall(steps.head(1)).to_dict())] == ["baseline"]


def test_waterfall_names_missing_columns(steps):
    with pytest.raises(ConfigError, match="waterfall: the frame lacks column.*usd_per_million"):
        waterfall(steps.drop(columns="usd_per_million_requests"))


def test_tornado_ranges_widest_first(sensitivity):
    spec = tornado(sensitivity, base_saving_usd=400.0, label="Demo world").to_dict()
    ranges = data_of(spec, 0)
    widths = {r["factor"]: (r["min"], r["max"]) for r in ranges}
    assert widths == {"utilisation": (100.0, 500.0), "GPU price": (400.0, 400.0),
                      "API price fall": (-300.0, 400.0)}
    assert spec["layer"][0]["encoding"]["y"]["sort"] == ["API price fall", "utilisation",
                                                          "GPU price"]
    points = data_of(spec, 1)
    assert len(points) == 5  # the spot row without a saving is left out
    assert not any(isinstance(p["monthly_saving_usd"], float) and
                   math.isnan(p["monthly_saving_usd"]) for p in points)
    assert spec["layer"][-1]["mark"]["type"] == "rule"


def test_tornado_without_a_base_has_no_rule(sensitivity):
    spec = tornado(sensitivity).to_dict()
    assert all(layer["mark"]["type"] != "rule" for layer in spec["layer"])


def test_tornado_names_missing_columns(sensitivity):
    with pytest.raises(ConfigError, match="tornado: the frame lacks column.*level"):
        tornado(sensitivity.drop(columns="level"))
