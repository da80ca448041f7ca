"""The calculator widget, driven without a browser. Numbers by hand as in
tests/unit/pricing/test_calculator.py: 10,000 requests a day of 1,000 prompt (40% cached) and
250 output tokens at $1/$0.1/$4 per 1M cost $16.40 a day; one $2/h GPU costs $48 a day."""

from datetime import date
from pathlib import Path

import pytest
import traitlets

from llmopt.pricing import DAYS_PER_MONTH, Gpu, GpuCatalog, PriceOverrides
from llmopt.widgets import CostCalculator

LABEL = "Demo world (simulated prices)"


@pytest.fixture
def calculator(tmp_path: Path) -> CostCalculator:
    prices = tmp_path / "prices.yaml"
    prices.write_text("test-model: {input: 1.0, cached_input: 0.1, output: 4.0, provider: t}\n")
    gpus = [Gpu(name=name, memory_gib=24, on_demand_usd_per_hour=usd, as_of=date(2026, 1, 1),
                source="test") for name, usd in [("T1", 2.0), ("T2", 4.0)]]
    return CostCalculator(catalog=GpuCatalog(gpus=gpus), overrides=PriceOverrides.load(prices),
                          models=("test-model", "demo:large"), requests_per_day=10_000,
                          prompt_tokens=1000, output_tokens=250, cached_share=0.4,
                          api_model="test-model", selfhost_tokens_per_s=500, label=LABEL)


def line(calculator: CostCalculator, name: str) -> str:
    return calculator.result_lines[name].value


def test_shows_the_hand_computed_result(calculator: CostCalculator) -> None:
    assert calculator.gpu == "T1"  # the class default is not in this catalog: its first GPU
    assert calculator.error == ""
    assert f"${16.4 * DAYS_PER_MONTH:,.2f}" in line(calculator, "monthly_api_usd")
    assert f"${48 * DAYS_PER_MONTH:,.2f}" in line(calculator, "monthly_selfhost_usd")
    assert "API" in line(calculator, "cheaper")
    assert "36,585,366 tokens/day" in line(calculator, "breakeven_tokens_per_day")
    assert "never" in line(calculator, "payback_months")
    assert calculator.chart.to_dict()["title"]["subtitle"] == LABEL
    assert calculator.chart_output.outputs[0]["output_type"] == "display_data"


def test_labels_follow_traitlets(calculator: CostCalculator) -> None:
    calculator.requests_per_day = 30_000
    calculator.setup_cost_usd = 1.2 * DAYS_PER_MONTH * 10
    assert calculator.result.cheaper == "self-host"
    assert "self-host" in line(calculator, "cheaper")
    assert "10.0 months" in line(calculator, "payback_months")
    calculator.gpu = "T2"
    assert f"${96 * DAYS_PER_MONTH:,.2f}" in line(calculator, "monthly_selfhost_usd")


def test_controls_drive_the_traitlets(calculator: CostCalculator) -> None:
    calculator.controls["requests_per_day"].value = 20_000
    assert calculator.requests_per_day == 20_000
    assert f"${32.8 * DAYS_PER_MONTH:,.2f}" in line(calculator, "monthly_api_usd")
    calculator.controls["gpu"].value = "T2"
    assert calculator.result.gpu_usd_per_hour == 4.0


def test_a_rejected_input_shows_its_error_and_clears_the_result(
        calculator: CostCalculator) -> None:
    calculator.output_tokens = 0
    assert calculator.result is None and calculator.chart is None
    assert "output_tokens" in calculator.error
    assert "output_tokens" in calculator.error_box.value
    assert line(calculator, "monthly_api_usd") == ""
    calculator.api_model = "no-such-model"
    calculator.output_tokens = 250
    assert "no-such-model" in calculator.error
    calculator.api_model = "test-model"
    assert calculator.error == "" and calculator.result is not None


def test_unknown_gpu_is_refused_naming_the_catalog(calculator: CostCalculator) -> None:
    with pytest.raises(traitlets.TraitError, match="unknown GPU 'H9'; valid: T1, T2"):
        calculator.gpu = "H9"


def test_unknown_input_name_is_refused() -> None:
    with pytest.raises(TypeError, match="unknown input 'gpu_count'"):
        CostCalculator(gpu_count=2)
