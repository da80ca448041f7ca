import pandas as pd
import pytest

from llmopt.errors import ConfigError
from llmopt.report import quantization

TABLE = pd.DataFrame([
    {"setting": "unquantized", "served": True, "size_vs_baseline": 1.0,
     "total_tokens_per_s": 2000.0, "latency_s_p50": 1.0, "accuracy": 0.8},
    {"setting": "awq_w4a16", "served": True, "size_vs_baseline": 0.4,
     "total_tokens_per_s": 1000.0, "latency_s_p50": 2.0, "accuracy": 0.6},
    {"setting": "fp8_dynamic", "served": False, "size_vs_baseline": 0.6,
     "total_tokens_per_s": None, "latency_s_p50": None, "accuracy": None},
])


def test_relative_puts_every_served_variant_over_the_baseline():
    data = quantization.relative(TABLE).set_index(["setting", "measure"])["ratio"]
    assert data["awq_w4a16", "weights on disk"] == 0.4
    assert data["awq_w4a16", "tokens/s"] == 0.5
    assert data["awq_w4a16", "p50 latency"] == 2.0
    assert data["awq_w4a16", "accuracy"] == pytest.approx(0.75)
    assert (data["unquantized"] == 1.0).all()
    assert "fp8_dynamic" not in data.index.get_level_values("setting")


def test_tradeoff_chart_has_a_panel_per_measure():
    spec = quantization.tradeoff(TABLE, label="Demo world").to_dict()
    assert spec["facet"]["column"]["field"] == "measure"
    assert spec["title"]["subtitle"] == "Demo world"


def test_missing_columns_are_named():
    with pytest.raises(ConfigError, match="lacks column.s. accuracy"):
        quantization.relative(TABLE.drop(columns=["accuracy"]))
