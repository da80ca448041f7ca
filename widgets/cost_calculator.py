"""CostCalculator: API vs self-hosting for a workload, with its break-even chart.

The numbers come from llmopt.pricing.calculator; this widget only collects inputs (traitlets
linked to controls) and shows the result.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import traitlets
from pydantic import ValidationError

from llmopt.errors import LlmoptError
from llmopt.pricing.api import PriceOverrides
from llmopt.pricing.calculator import (
    SUGGESTED_MODELS,
    CalculatorInputs,
    CalculatorResult,
    calculate,
    cost_curve,
)
from llmopt.pricing.gpus import GpuCatalog
from llmopt.report.charts import breakeven

from ._display import show_chart, size_control

INPUTS = tuple(name for name in CalculatorInputs.model_fields)
"""The traitlets that feed the calculator, named like CalculatorInputs' fields."""

OUTPUTS = ("monthly_api_usd", "monthly_selfhost_usd", "cheaper", "breakeven_tokens_per_day",
           "payback_months", "usd_per_million_selfhost", "api_price")
"""The keys of `CostCalculator.result_lines`, one HTML line each."""

DEFAULT_GPU = "L4-24GB"

_CAPTIONS = {
    "monthly_api_usd": "API per month",
    "monthly_selfhost_usd": "Self-host per month",
    "cheaper": "Cheaper",
    "breakeven_tokens_per_day": "Break-even volume",
    "payback_months": "Setup cost paid back in",
    "usd_per_million_selfhost": "Self-host per 1M tokens",
    "api_price": "API price used",
}


class CostCalculator(widgets.VBox):
    """The input controls, an error line, the results and the break-even chart, top to bottom.

    Set the traitlets (or move the controls): the result, labels and chart follow. An input the
    calculator rejects shows its message in `error` and leaves `result` None.
    """

    requests_per_day = traitlets.Float(10_000.0)
    prompt_tokens = traitlets.Float(1_500.0)
    output_tokens = traitlets.Float(200.0)
    cached_share = traitlets.Float(0.0)
    api_model = traitlets.Unicode("demo:large")
    gpu = traitlets.Unicode(DEFAULT_GPU)
    """A GPU of the catalog; by default L4-24GB, or the catalog's first GPU if it has none."""
    spot = traitlets.Bool(False)
    selfhost_tokens_per_s = traitlets.Float(1_000.0)
    gpus_per_replica = traitlets.Int(1)
    setup_cost_usd = traitlets.Float(0.0)
    label = traitlets.Unicode("")
    """Shown on the chart, e.g. "Demo world (simulated prices)"."""

    result = traitlets.Instance(CalculatorResult, allow_none=True)
    error = traitlets.Unicode("")
    chart = traitlets.Any(None)
    """The altair chart now shown (None while an input is rejected)."""

    def __init__(self, catalog: GpuCatalog | None = None,
                 overrides: PriceOverrides | str | Path | None = None,
                 models: tuple[str, ...] = SUGGESTED_MODELS, **values: Any) -> None:
        super().__init__()
        catalog = catalog or GpuCatalog.load()
        values.setdefault("gpu", DEFAULT_GPU if DEFAULT_GPU in catalog.names else catalog.names[0])
        self._catalog = catalog
        self._overrides = overrides
        self.set_trait("label", values.pop("label", ""))
        with self.hold_trait_notifications():
            for name, value in values.items():
                self._check_input(name)
                setattr(self, name, value)
        self.controls = self._controls(models)
        self.result_lines = {name: widgets.HTML() for name in OUTPUTS}
        self.error_box = widgets.HTML()
        self.chart_output = widgets.Output()
        self.observe(self._update, names=[*INPUTS, "label"])
        self.children = [self._form(), self.error_box, *self.result_lines.values(),
                         self.chart_output]
        self._update()

    @traitlets.validate("gpu")
    def _known_gpu(self, proposal: dict[str, Any]) -> str:
        catalog = getattr(self, "_catalog", None)
        if catalog is not None:
            try:
                return catalog.get(proposal["value"]).name
            except LlmoptError as error:
                raise traitlets.TraitError(str(error)) from None
        return proposal["value"]

    def inputs(self) -> CalculatorInputs:
        """The current traitlet values as validated calculator inputs."""
        return CalculatorInputs(**{name: getattr(self, name) for name in INPUTS})

    def _update(self, change: dict[str, Any] | None = None) -> None:
        try:
            inputs = self.inputs()
            result = calculate(inputs, self._catalog, self._overrides)
        except (ValidationError, LlmoptError) as error:
            self._show_error(error)
            return
        self.error = ""
        self.error_box.value = ""
        self.result = result
        self._show_result(result)
        self.chart = breakeven(cost_curve(inputs, result), result.breakeven_tokens_per_day,
                               self.label, current_tokens_per_day=result.tokens_per_day)
        show_chart(self.chart_output, self.chart)

    def _show_error(self, error: Exception) -> None:
        self.result = None
        self.chart = None
        self.error = str(error)
        message = html.escape(str(error))
        self.error_box.value = f"<b style='color:#b00'>Cannot compute:</b><pre>{message}</pre>"
        for line in self.result_lines.values():
            line.value = ""
        self.chart_output.outputs = ()

    def _show_result(self, result: CalculatorResult) -> None:
        volume = result.breakeven_tokens_per_day
        payback = result.payback_months
        own_per_million = result.usd_per_million_selfhost
        texts = {
            "monthly_api_usd": f"${result.monthly_api_usd:,.2f} "
                               f"({result.tokens_per_day:,.0f} tokens/day)",
            "monthly_selfhost_usd": f"${result.monthly_selfhost_usd:,.2f} "
                                    f"({result.replicas} replica(s), "
                                    f"{result.utilization:.0%} busy)",
            "cheaper": f"{result.cheaper} (saves ${abs(result.monthly_saving_usd):,.2f}/month)",
            "breakeven_tokens_per_day": "never at this throughput" if volume is None
                                        else f"{volume:,.0f} tokens/day",
            "payback_months": "never (no monthly saving)" if payback is None
                              else f"{payback:,.1f} months",
            "usd_per_million_selfhost": "n/a at zero volume" if own_per_million is None
                                        else f"${own_per_million:,.4f} (fully busy: "
                                             f"${result.usd_per_million_selfhost_full:,.4f})",
            "api_price": f"{result.api_price_label}, blended "
                         f"${result.api_usd_per_million:,.4f} per 1M tokens",
        }
        for name, text in texts.items():
            self.result_lines[name].value = f"<b>{_CAPTIONS[name]}:</b> {html.escape(text)}"

    def _controls(self, models: tuple[str, ...]) -> dict[str, widgets.Widget]:
        make = {
            "requests_per_day": widgets.FloatText(description="Requests per day"),
            "prompt_tokens": widgets.FloatText(description="Prompt tokens / request"),
            "output_tokens": widgets.FloatText(description="Output tokens / request"),
            "cached_share": widgets.FloatSlider(description="Cached prompt share", min=0,
                                                max=1, step=0.05),
            "api_model": widgets.Combobox(description="API model", options=list(models),
                                          ensure_option=False, continuous_update=False),
            "gpu": widgets.Dropdown(description="GPU", options=self._catalog.names),
            "spot": widgets.Checkbox(description="Spot price"),
            "selfhost_tokens_per_s": widgets.FloatText(
                description="Measured tokens/s per replica"),
            "gpus_per_replica": widgets.IntText(description="GPUs per replica"),
            "setup_cost_usd": widgets.FloatText(description="Setup cost (USD)"),
        }
        for name, control in make.items():
            size_control(control, "16em")
            traitlets.link((self, name), (control, "value"))
        return make

    def _form(self) -> widgets.Widget:
        return widgets.VBox(list(self.controls.values()))

    @staticmethod
    def _check_input(name: str) -> None:
        if name not in INPUTS:
            raise TypeError(f"CostCalculator got an unknown input {name!r}; "
                            f"valid: {', '.join(INPUTS)}, label")
