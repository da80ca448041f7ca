from typing import Any

import altair as alt
import pandas as pd
import pytest

from llmopt.errors import ConfigError
from llmopt.pricing import cost_table, volume_grid
from llmopt.report import charts

LABEL = "Demo world (simulated prices)"


def encodings(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The encoding of the chart and of each of its layers."""
    layers = spec.get("layer", [spec])
    return [layer.get("encoding", {}) for layer in layers]


def fields(spec: dict[str, Any], channel: str) -> set[str]:
    return {e[channel]["field"] for e in encodings(spec) if "field" in e.get(channel, {})}


def data_of(spec: dict[str, Any], layer: int = 0) -> list[dict[str, Any]]:
    data = spec.get("data") or spec["layer"][layer]["data"]
    return spec["datasets"][data["name"]]


def test_latency_percentiles_draws_one_line_per_percentile(summary: pd.DataFrame) -> None:
    chart = charts.latency_percentiles(summary, metric="ttft_s", label=LABEL)
    spec = chart.to_dict()
    assert isinstance(chart, alt.Chart)
    assert spec["mark"]["type"] == "line"
    enc = spec["encoding"]
    assert (enc["x"]["field"], enc["x"]["type"]) == ("concurrency", "quantitative")
    assert (enc["y"]["field"], enc["color"]["field"]) == ("seconds", "percentile")
    assert {"accuracy", "failed"} <= {t["field"] for t in enc["tooltip"]}
    rows = data_of(spec)
    assert {r["percentile"] for r in rows} == {"p50", "p90", "p99"}
    p99_at_16 = [r["seconds"] for r in rows if r["percentile"] == "p99" and r["concurrency"] == 16]
    assert p99_at_16 == [pytest.approx(summary.loc[2, "ttft_s_p99"])]
    assert spec["title"] == {"text": "Time to first token by concurrency", "subtitle": LABEL}


def test_latency_percentiles_against_a_named_stage(summary: pd.DataFrame) -> None:
    spec = charts.latency_percentiles(summary, x="stage").to_dict()
    assert (spec["encoding"]["x"]["field"], spec["encoding"]["x"]["type"]) == ("stage", "nominal")
    assert spec["title"] == {"text": "End-to-end latency by stage"}


def test_unknown_latency_metric_lists_the_valid_ones(summary: pd.DataFrame) -> None:
    with pytest.raises(ConfigError, match="unknown latency metric 'e2e'.*latency_s.*ttft_s"):
        charts.latency_percentiles(summary, metric="e2e")


def test_x_without_values_is_an_error(summary: pd.DataFrame) -> None:
    with pytest.raises(ConfigError, match="'target_rate' has no values"):
        charts.throughput(summary, x="target_rate")


def test_throughput_has_tokens_and_requests_on_two_axes(summary: pd.DataFrame) -> None:
    spec = charts.throughput(summary, label=LABEL).to_dict()
    assert fields(spec, "y") == {"output_tokens_per_s", "req_per_s"}
    assert fields(spec, "x") == {"concurrency"}
    assert spec["resolve"] == {"scale": {"y": "independent"}}
    assert spec["title"]["subtitle"] == LABEL


def test_cost_per_million_prints_accuracy_at_each_point(summary: pd.DataFrame) -> None:
    spec = charts.cost_per_million(summary, x="concurrency", label=LABEL).to_dict()
    assert fields(spec, "y") == {"usd_per_million_tokens"}
    assert fields(spec, "text") == {"accuracy"}
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["line", "text"]
    assert spec["title"]["subtitle"] == LABEL


def test_quality_by_tier_bars_each_tier_and_overall(requests: pd.DataFrame) -> None:
    spec = charts.quality_by_tier(requests, label=LABEL).to_dict()
    assert fields(spec, "x") == {"tier"} and fields(spec, "y") == {"accuracy"}
    rows = {r["tier"]: r for r in data_of(spec)}
    assert list(rows) == ["easy", "hard", "overall"]
    assert rows["hard"]["n"] == 6 and rows["hard"]["accuracy"] == pytest.approx(2 / 6)
    assert rows["overall"]["text"] == "50% (n=10)"
    assert spec["title"]["subtitle"] == LABEL


def test_breakeven_has_both_options_and_a_rule(summary: pd.DataFrame) -> None:
    grid = volume_grid(200e6, 1000)
    table = cost_table(grid, 1.0, 2.0, 1, 1000)
    spec = charts.breakeven(table, 48e6, label=LABEL, current_tokens_per_day=20e6).to_dict()
    marks = [layer["mark"] for layer in spec["layer"]]
    assert marks[0] == {"type": "line"}
    assert marks[1] == {"type": "line", "interpolate": "step-before"}
    assert [m["type"] for m in marks[2:]] == ["rule", "text", "rule", "text"]
    assert fields(spec, "x") == {"tokens_per_day"}
    assert fields(spec, "y") == {"monthly_cost_usd"}
    assert fields(spec, "color") == {"option"}
    rules = [data_of(spec, i)[0] for i in (2, 4)]
    assert [r["tokens_per_day"] for r in rules] == [48e6, 20e6]
    assert rules[0]["text"] == "break-even: 48,000,000 tokens/day"
    assert spec["title"]["subtitle"] == LABEL


def test_breakeven_without_a_point_draws_no_rule() -> None:
    table = cost_table([0.0, 1e6], 1.0, 2.0, 1, 1000)
    spec = charts.breakeven(table).to_dict()
    assert len(spec["layer"]) == 2


def test_breakeven_rejects_a_bad_volume() -> None:
    table = cost_table([0.0, 1e6], 1.0, 2.0, 1, 1000)
    with pytest.raises(ConfigError, match="break-even tokens per day"):
        charts.breakeven(table, float("nan"))


def test_api_comparison_sorts_bars_by_cost() -> None:
    df = pd.DataFrame({"model": ["a", "b"], "monthly_cost_usd": [30.0, 10.0],
                       "label": ["x/a (test)", "x/b (test)"]})
    spec = charts.api_comparison(df, label=LABEL).to_dict()
    bars = spec["layer"][0]["encoding"]
    assert bars["y"] == {"field": "model", "sort": "x", "title": None, "type": "nominal"}
    assert bars["x"]["field"] == "monthly_cost_usd"
    assert "label" in {t["field"] for t in bars["tooltip"]}
    assert spec["title"]["subtitle"] == LABEL


def test_live_latency_draws_points_and_running_median() -> None:
    frame = pd.DataFrame({"n": [1, 2], "stage": ["c1", "c1"], "status": ["ok", "error"],
                          "latency_s": [0.2, None], "running_p50_latency_s": [0.2, 0.2]})
    spec = charts.live_latency(frame, label=LABEL).to_dict()
    assert fields(spec, "y") == {"latency_s", "running_p50_latency_s"}
    assert fields(spec, "color") == {"stage"}
    assert fields(spec, "shape") == {"status"}


@pytest.mark.parametrize(("build", "dropped"), [
    (lambda f: charts.latency_percentiles(f), ["latency_s_p90", "concurrency"]),
    (lambda f: charts.latency_percentiles(f, metric="tpot_s"), ["tpot_s_p99"]),
    (lambda f: charts.throughput(f), ["req_per_s"]),
    (lambda f: charts.cost_per_million(f, x="target_rate"), ["accuracy", "target_rate"]),
])
def test_summary_charts_name_missing_columns(summary: pd.DataFrame, build: Any,
                                             dropped: list[str]) -> None:
    with pytest.raises(ConfigError, match=r"lacks column\(s\) ") as error:
        build(summary.drop(columns=dropped))
    named = str(error.value).split("lacks column(s) ")[1].split(";")[0]
    assert sorted(named.split(", ")) == sorted(dropped)


@pytest.mark.parametrize(("build", "columns"), [
    (charts.quality_by_tier, ["tier", "correct"]),
    (charts.breakeven, ["tokens_per_day", "option", "monthly_cost_usd"]),
    (charts.api_comparison, ["model", "monthly_cost_usd", "label"]),
    (charts.live_latency, ["n", "stage", "status", "latency_s", "running_p50_latency_s"]),
])
def test_other_charts_name_missing_columns(build: Any, columns: list[str]) -> None:
    with pytest.raises(ConfigError, match=f"{build.__name__}: .*lacks column.*{columns[-1]}"):
        build(pd.DataFrame({c: [1] for c in columns[:-1]}))


def test_not_a_frame_is_an_error() -> None:
    with pytest.raises(ConfigError, match="expected a pandas DataFrame, got list"):
        charts.throughput([{"concurrency": 1}])
