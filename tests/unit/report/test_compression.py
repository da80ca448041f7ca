import pandas as pd
import pytest

from llmopt.errors import ConfigError
from llmopt.report import compression

LABEL = "Demo world (simulated prices)"


@pytest.fixture
def table() -> pd.DataFrame:
    rows = [("none", 1.0, 0.0, 0.0, 0.9, 0.0)]
    rows += [(m, r, 100 * (1 - r), 9.0, 0.9 - (1 - r) / 10, 5.0 * (1 - r))
             for m in ("llmlingua", "llmlingua2") for r in (0.5, 0.3)]
    frame = pd.DataFrame(rows, columns=["method", "rate", "reduction_pct", "compressor_ms",
                                        "accuracy", "prefill_saved_ms"])
    return frame.assign(accuracy_easy=frame["accuracy"], accuracy_hard=frame["accuracy"] - 0.1,
                        prompt_tokens=500 * frame["rate"],
                        usd_saved_per_million_requests=frame["reduction_pct"] * 2)


def test_every_method_line_starts_at_the_baseline(table):
    data = compression.with_baseline(table)
    assert len(data) == 2 * 3
    for method in ("llmlingua", "llmlingua2"):
        rows = data[data["method"] == method].sort_values("rate")
        assert list(rows["rate"]) == [0.3, 0.5, 1.0]


def test_reduction_chart(table):
    spec = compression.reduction(table, LABEL).to_dict()
    assert spec["title"]["subtitle"] == LABEL
    assert spec["encoding"]["y"]["field"] == "reduction_pct"
    assert spec["encoding"]["x"]["scale"]["reverse"] is True


def test_accuracy_chart_has_a_panel_per_tier(table):
    chart = compression.accuracy(table, LABEL)
    assert sorted(chart.data["tier"].unique()) == ["all", "easy", "hard"]
    assert chart.to_dict()["encoding"]["column"]["field"] == "tier"


def test_latency_chart_leaves_the_baseline_out(table):
    chart = compression.latency(table, LABEL)
    assert "none" not in set(chart.data["method"])
    assert set(chart.data["measure"]) == {"prefill saved (TTFT)", "compressor time per call"}


def test_missing_columns_are_named(table):
    with pytest.raises(ConfigError, match="lacks column.*compressor_ms"):
        compression.latency(table.drop(columns="compressor_ms"))
