"""The calculator by hand, with a test price and a test GPU.

Price: $1 per 1M input tokens, $0.1 cached, $4 output. A request of 1,000 prompt tokens (40%
cached) and 250 output tokens costs (600 * 1 + 400 * 0.1 + 250 * 4) / 1M = $0.00164, that is
$1.312 per 1M of its 1,250 tokens. GPU: $2/h ($48/day), one per replica, serving 500 tokens/s
(43.2M tokens/day). One replica breaks even at 48 / 1.312 = 36,585,366 tokens/day.
"""

from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from llmopt.errors import ConfigError
from llmopt.pricing import DAYS_PER_MONTH, Gpu, GpuCatalog, PriceOverrides
from llmopt.pricing.calculator import (
    CalculatorInputs,
    calculate,
    compare_apis,
    cost_curve,
)

BREAKEVEN = 48 / 1.312e-6


@pytest.fixture
def catalog() -> GpuCatalog:
    gpu = Gpu(name="T1", memory_gib=24, on_demand_usd_per_hour=2.0, spot_usd_per_hour=1.0,
              as_of=date(2026, 1, 1), source="test")
    return GpuCatalog(gpus=[gpu])


@pytest.fixture
def overrides(tmp_path: Path) -> PriceOverrides:
    path = tmp_path / "prices.yaml"
    path.write_text("test-model: {input: 1.0, cached_input: 0.1, output: 4.0, provider: t}\n"
                    "cheap-model: {input: 0.5, output: 2.0, provider: t}\n")
    return PriceOverrides.load(path)


def inputs(requests: float, **changes: object) -> CalculatorInputs:
    values = {"requests_per_day": requests, "prompt_tokens": 1000,
              "output_tokens": 250, "cached_share": 0.4, "api_model": "test-model",
              "gpu": "T1", "selfhost_tokens_per_s": 500, **changes}
    return CalculatorInputs(**values)


def test_api_cheaper_below_breakeven(catalog: GpuCatalog, overrides: PriceOverrides) -> None:
    result = calculate(inputs(10_000), catalog, overrides)
    assert result.api_usd_per_request == pytest.approx(0.00164)
    assert result.api_usd_per_million == pytest.approx(1.312)
    assert result.tokens_per_day == 12.5e6
    assert result.monthly_api_usd == pytest.approx(16.4 * DAYS_PER_MONTH)
    assert result.monthly_selfhost_usd == pytest.approx(48 * DAYS_PER_MONTH)
    assert result.cheaper == "API"
    assert result.monthly_saving_usd == pytest.approx((16.4 - 48) * DAYS_PER_MONTH)
    assert result.payback_months is None
    assert result.breakeven_tokens_per_day == pytest.approx(BREAKEVEN)
    assert (result.replicas, result.utilization) == (1, pytest.approx(12.5 / 43.2))
    assert result.usd_per_million_selfhost == pytest.approx(48 / 12.5)
    assert result.usd_per_million_selfhost_full == pytest.approx(2 / 1.8)
    assert result.api_price_label.startswith("t/test-model (override: ")


def test_selfhost_cheaper_past_breakeven_with_payback(catalog: GpuCatalog,
                                                     overrides: PriceOverrides) -> None:
    # 30,000 requests: 37.5M tokens/day on one replica; the API costs $49.20/day against $48
    result = calculate(inputs(30_000, setup_cost_usd=1.2 * DAYS_PER_MONTH * 10), catalog,
                       overrides)
    assert result.cheaper == "self-host"
    assert result.monthly_saving_usd == pytest.approx(1.2 * DAYS_PER_MONTH)
    assert result.payback_months == pytest.approx(10.0)


def test_a_second_replica_makes_the_api_cheaper_again(catalog: GpuCatalog,
                                                      overrides: PriceOverrides) -> None:
    # 40,000 requests: 50M tokens/day needs two replicas ($96/day); the API costs $65.60/day
    result = calculate(inputs(40_000), catalog, overrides)
    assert result.replicas == 2
    assert result.monthly_selfhost_usd == pytest.approx(96 * DAYS_PER_MONTH)
    assert result.monthly_api_usd == pytest.approx(65.6 * DAYS_PER_MONTH)
    assert result.cheaper == "API"


def test_spot_price_and_gpus_per_replica(catalog: GpuCatalog, overrides: PriceOverrides) -> None:
    result = calculate(inputs(10_000, spot=True, gpus_per_replica=2), catalog, overrides)
    assert result.gpu_usd_per_hour == 1.0
    assert result.monthly_selfhost_usd == pytest.approx(48 * DAYS_PER_MONTH)


def test_zero_volume(catalog: GpuCatalog, overrides: PriceOverrides) -> None:
    result = calculate(inputs(0), catalog, overrides)
    assert result.monthly_api_usd == 0 and result.cheaper == "API"
    assert result.usd_per_million_selfhost is None and result.utilization == 0


def test_no_breakeven_when_a_replica_cannot_serve_it(catalog: GpuCatalog,
                                                     overrides: PriceOverrides) -> None:
    # 50 tokens/s = 4.32M tokens/day, well below the 36.6M tokens/day it would need
    result = calculate(inputs(10_000, selfhost_tokens_per_s=50), catalog, overrides)
    assert result.breakeven_tokens_per_day is None


def test_demo_models_are_labelled_as_simulated(catalog: GpuCatalog) -> None:
    result = calculate(inputs(10_000, api_model="demo:small"), catalog)
    assert "simulation" in result.api_price_label


@pytest.mark.parametrize(("field", "value"), [
    ("requests_per_day", -1), ("output_tokens", 0), ("cached_share", 1.5),
    ("selfhost_tokens_per_s", float("inf")), ("gpus_per_replica", 0), ("setup_cost_usd", -5),
])
def test_bad_values_are_named(field: str, value: object) -> None:
    with pytest.raises(ValidationError, match=field):
        inputs(10_000, **{field: value})


def test_unknown_fields_are_rejected() -> None:
    with pytest.raises(ValidationError, match="gpu_count"):
        inputs(10_000, gpu_count=2)


def test_a_mapping_with_bad_values_is_a_config_error(catalog: GpuCatalog) -> None:
    with pytest.raises(ConfigError, match="(?s)calculator inputs.*prompt_tokens"):
        calculate({"requests_per_day": 1, "prompt_tokens": -3, "output_tokens": 1,
                   "selfhost_tokens_per_s": 1}, catalog)


def test_unknown_model_and_gpu_are_named(catalog: GpuCatalog, overrides: PriceOverrides) -> None:
    with pytest.raises(ConfigError, match="unknown GPU 'H9'; valid: T1"):
        calculate(inputs(1, gpu="H9"), catalog, overrides)
    with pytest.raises(ConfigError, match="unknown demo model 'demo:huge'"):
        calculate(inputs(1, api_model="demo:huge"), catalog, overrides)


def test_cost_curve_spans_volume_and_breakeven(catalog: GpuCatalog,
                                               overrides: PriceOverrides) -> None:
    request = inputs(10_000)
    curve = cost_curve(request, calculate(request, catalog, overrides))
    assert set(curve["option"]) == {"API", "self-host"}
    assert curve["tokens_per_day"].max() == pytest.approx(2 * BREAKEVEN)
    assert 43.2e6 in set(curve["tokens_per_day"])  # the second replica's step
    api_at = curve[curve["option"] == "API"].set_index("tokens_per_day")["monthly_cost_usd"]
    assert api_at[43.2e6] == pytest.approx(43.2 * 1.312 * DAYS_PER_MONTH)


def test_compare_apis_cheapest_first(overrides: PriceOverrides) -> None:
    # cheap-model has no cached price: (1000 * 0.5 + 250 * 2) / 1M = $0.001 a request
    table = compare_apis(inputs(10_000), ["test-model", "cheap-model"], overrides)
    assert table["model"].tolist() == ["cheap-model", "test-model"]
    assert table["monthly_cost_usd"].tolist() == [pytest.approx(10 * DAYS_PER_MONTH),
                                                  pytest.approx(16.4 * DAYS_PER_MONTH)]
    assert list(table.columns) == ["model", "monthly_cost_usd", "usd_per_million", "label"]
