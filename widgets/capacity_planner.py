"""CapacityPlanner: does a model fit a GPU, with what headroom, at what $/1M tokens?

Every number comes from llmopt.serve.plan (the same `plan` the notebook and `llmopt plan`
use); this widget only collects inputs (traitlets linked to controls) and shows the result.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets
import traitlets
from pydantic import ValidationError

from llmopt.errors import LlmoptError
from llmopt.pricing.gpus import GpuCatalog
from llmopt.serve.plan import (
    KV_DTYPES,
    SCHEMES,
    Candidate,
    ModelShape,
    PlanRequest,
    plan,
    serve_command,
    serve_config,
    shape_for,
    stated_shapes,
)

from ._display import size_control

INPUTS = ("model", "scheme", "kv_cache_dtype", "context_tokens", "concurrency", "gpu", "gpus",
          "gpu_memory_utilization", "tokens_per_s", "spot")
"""The traitlets that feed the plan."""

OUTPUTS = ("model_size", "fits", "headroom", "memory", "cost", "problems", "command")
"""The keys of `CapacityPlanner.result_lines`, one HTML line each."""

AUTO = 0
"""`gpus` value meaning: the fewest GPUs (1, 2, 4 or 8) that fit."""

_CAPTIONS = {"model_size": "Model", "fits": "Fits", "headroom": "KV headroom",
             "memory": "Memory per GPU", "cost": "Cost", "problems": "Caveats",
             "command": "vllm serve"}


class CapacityPlanner(widgets.VBox):
    """Controls, an error line and the result lines, top to bottom.

    Set the traitlets (or move the controls) and `candidate` and the lines follow. An input
    the planner rejects shows its message in `error` and leaves `candidate` None.
    """

    model = traitlets.Unicode("meta-llama/Llama-3.1-8B-Instruct")
    scheme = traitlets.Unicode("bf16")
    kv_cache_dtype = traitlets.Unicode("auto")
    context_tokens = traitlets.Int(8192)
    concurrency = traitlets.Int(32)
    gpu = traitlets.Unicode("L4-24GB")
    gpus = traitlets.Int(AUTO)
    """GPUs per replica (tensor parallel); 0: the fewest of 1, 2, 4, 8 that fit."""
    gpu_memory_utilization = traitlets.Float(0.9)
    tokens_per_s = traitlets.Float(0.0)
    """Total tokens/s of one replica (measured or stated) for $/1M tokens; 0: unknown."""
    spot = traitlets.Bool(False)

    candidate = traitlets.Instance(Candidate, allow_none=True)
    error = traitlets.Unicode("")

    def __init__(self, catalog: GpuCatalog | None = None, models: list[str] | None = None,
                 **values: Any) -> None:
        super().__init__()
        self._catalog = catalog or GpuCatalog.load()
        self._shapes: dict[str, ModelShape] = {}
        values.setdefault("gpu", self.gpu if self.gpu in self._catalog.names
                          else self._catalog.names[0])
        with self.hold_trait_notifications():
            for name, value in values.items():
                self._check_input(name)
                setattr(self, name, value)
        self.controls = self._controls(models or default_models())
        self.result_lines = {name: widgets.HTML() for name in OUTPUTS}
        self.error_box = widgets.HTML()
        self.observe(self._update, names=list(INPUTS))
        self.children = [widgets.VBox(list(self.controls.values())), self.error_box,
                         *self.result_lines.values()]
        self._update()

    @traitlets.validate("gpu")
    def _known_gpu(self, proposal: dict[str, Any]) -> str:
        catalog = getattr(self, "_catalog", None)
        if catalog is None:
            return proposal["value"]
        try:
            return catalog.get(proposal["value"]).name
        except LlmoptError as error:
            raise traitlets.TraitError(str(error)) from None

    def request(self) -> PlanRequest:
        """The current traitlet values as a plan request for the chosen GPU."""
        counts = [1, 2, 4, 8] if self.gpus == AUTO else [self.gpus]
        return PlanRequest(model=self.model, scheme=self.scheme,
                           kv_cache_dtype=self.kv_cache_dtype,
                           context_tokens=self.context_tokens, concurrency=self.concurrency,
                           gpus=[self.gpu], gpu_counts=counts,
                           gpu_memory_utilization=self.gpu_memory_utilization,
                           tokens_per_s=self.tokens_per_s or None, spot=self.spot)

    def _shape(self) -> ModelShape:
        if self.model not in self._shapes:
            self._shapes[self.model] = shape_for(self.model)
        return self._shapes[self.model]

    def _update(self, change: dict[str, Any] | None = None) -> None:
        try:
            request = self.request()
            result = plan(request, self._catalog, self._shape())
        except (ValidationError, LlmoptError) as error:
            self._show_error(error)
            return
        chosen = result.recommended or result.candidates[-1]
        self.error = ""
        self.error_box.value = ""
        self.candidate = chosen
        self._show(request, result.shape, result.weights_gib, chosen)

    def _show_error(self, error: Exception) -> None:
        self.candidate = None
        self.error = str(error)
        self.error_box.value = (f"<b style='color:#b00'>Cannot plan:</b>"
                                f"<pre>{html.escape(str(error))}</pre>")
        for line in self.result_lines.values():
            line.value = ""

    def _show(self, request: PlanRequest, shape: ModelShape, weights_gib: float,
              c: Candidate) -> None:
        memory = c.memory
        ok = c.fits and c.servable
        verdict = ("yes" if ok else "no: the weights do not fit" if memory.kv_gib <= 0
                   else "no: vLLM cannot serve this combination" if not c.servable
                   else f"no: the KV cache holds {memory.kv_tokens:,} of the "
                        f"{c.needed_tokens:,} tokens needed")
        texts = {
            "model_size": f"{shape.name}: {shape.parameters / 1e9:,.2f}B parameters, "
                          f"{weights_gib:,.2f} GiB as {c.scheme} ({shape.source})",
            "fits": f"{verdict} — {c.label}; {c.max_concurrency:,} sequences of "
                    f"{request.context_tokens:,} tokens fit (asked {request.concurrency:,})",
            "headroom": "none" if c.headroom is None else f"{100 * c.headroom:+.0f}% "
                        f"({memory.kv_tokens:,} KV tokens, {memory.kv_bytes_per_token:,} "
                        "bytes per token per GPU)",
            "memory": f"{memory.budget_gib:.1f} GiB budget = {memory.weights_gib:.2f} weights "
                      f"+ {memory.activation_gib:.2f} activations (est.) + "
                      f"{memory.runtime_gib:.2f} runtime (est.) + {memory.kv_gib:.2f} KV cache",
            "cost": f"${c.usd_per_hour:,.2f}/hour" + (
                "; $/1M tokens needs a throughput" if c.usd_per_million is None
                else f"; ${c.usd_per_million:,.4f} per 1M tokens at {c.tokens_per_s:,.0f} "
                     "tokens/s"),
            "problems": "; ".join(str(p) for p in c.problems) or "none",
            "command": serve_command(serve_config(request, c)) if ok else "(does not fit)",
        }
        for name, text in texts.items():
            self.result_lines[name].value = f"<b>{_CAPTIONS[name]}:</b> {html.escape(text)}"

    def _controls(self, models: list[str]) -> dict[str, widgets.Widget]:
        make = {
            "model": widgets.Combobox(description="Model", options=models, ensure_option=False,
                                      continuous_update=False),
            "scheme": widgets.Dropdown(description="Weights", options=list(SCHEMES)),
            "kv_cache_dtype": widgets.Dropdown(description="KV cache", options=list(KV_DTYPES)),
            "context_tokens": widgets.IntText(description="Context (max model len)"),
            "concurrency": widgets.IntText(description="Concurrent sequences"),
            "gpu": widgets.Dropdown(description="GPU", options=self._catalog.names),
            "gpus": widgets.Dropdown(description="GPUs per replica",
                                     options=[("fewest that fit", AUTO),
                                              *[(str(n), n) for n in (1, 2, 4, 8)]]),
            "gpu_memory_utilization": widgets.FloatSlider(
                description="GPU memory utilization", min=0.5, max=0.98, step=0.01),
            "tokens_per_s": widgets.FloatText(description="Replica tokens/s (0: unknown)"),
            "spot": widgets.Checkbox(description="Spot price"),
        }
        for name, control in make.items():
            size_control(control, "16em")
            traitlets.link((self, name), (control, "value"))
        return make

    @staticmethod
    def _check_input(name: str) -> None:
        if name not in INPUTS:
            raise TypeError(f"CapacityPlanner got an unknown input {name!r}; "
                            f"valid: {', '.join(INPUTS)}")


def default_models() -> list[str]:
    """The demo models and the stated well-known models."""
    names = {shape.name for shape in stated_shapes().values()}
    return ["demo:large", "demo:small", *sorted(names)]
