"""Serve a model folder (the unquantized baseline or a quantized artifact) with vLLM, measure
it with llmopt.bench, and read what the server reports about its quantization.

Every variant is measured the same way: one server start (load time = launch to healthy), one
closed-loop stage at a fixed concurrency over the same requests, graded by the same grader.
A server that cannot start is a result too: its own error is kept and the next variant runs.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from llmopt.errors import ServerStartError, ServerTimeoutError
from llmopt.quantize import artifact

# vLLM 0.32 logs its engine config as "... quantization=compressed-tensors, ..." (None when
# unquantized), each linear kernel it picks as "Selected ChannelWiseTorchFP8ScaledMMLinearKernel
# for CompressedTensorsW8A8Fp8", and the weight load as "Loading weights took 0.02 seconds".
_QUANTIZATION = re.compile(r"\bquantization=([\w.-]+)")
_SELECTED = re.compile(r"Selected (\w+) for (\w+)")
_LOAD = re.compile(r"Loading weights took ([\d.]+) seconds")


class ServedRun(BaseModel):
    """One variant as served: start-up, what the server reported, and the bench summary."""

    model_config = ConfigDict(extra="forbid")

    setting: str
    model: str
    weights_bytes: int
    served: bool
    error: str | None = None
    """The end of the server's own log when it could not start."""
    startup_s: float | None = None
    weights_load_s: float | None = None
    quantization: str | None = None
    """The quantization method the server reported (None: unquantized)."""
    kernels: dict[str, str] = {}
    """The server's quantization scheme classes and the linear kernel it picked for each."""
    summary: dict[str, Any] = {}
    """The bench summary row of the measured stage."""


def reported_quantization(log: str) -> str | None:
    """The `quantization=` value of vLLM's engine-config line; None when it says None."""
    match = _QUANTIZATION.search(log)
    return None if match is None or match[1] == "None" else match[1]


def weights_load_s(log: str) -> float | None:
    match = _LOAD.search(log)
    return float(match[1]) if match else None


def selected_kernels(log: str) -> dict[str, str]:
    """{vLLM scheme class: kernel class} for every "Selected K for S" line of the log."""
    return {scheme: kernel for kernel, scheme in _SELECTED.findall(log)}


def measure(server: Any, setting: str, items: list, *, bench: Any, endpoint_options: dict,
            price: Any = None, results_path: str | Path | None = None) -> tuple[ServedRun, Any]:
    """Start `server` (a not yet started VllmServer), run the `bench` stage over `items`, stop.

    Returns the run and the BenchResult (None when the server could not start)."""
    from llmopt.bench import Endpoint, run

    model = server.config.model
    base = ServedRun(setting=setting, model=model, weights_bytes=artifact.weights_bytes(
        Path(model)), served=False)
    try:
        server.start()
    except (ServerStartError, ServerTimeoutError) as error:
        return base.model_copy(update={"error": str(error)[-2000:]}), None
    try:
        endpoint = Endpoint(base_url=server.base_url, model=server.model_name, **endpoint_options)
        result = run(endpoint, items, bench, price=price, results_path=results_path,
                     resume=False, server=server, progress=False)
        log = server.log_text()
    finally:
        server.stop()
    summary = result.summary().iloc[0].to_dict()
    return base.model_copy(update={
        "served": True, "startup_s": server.startup_s, "weights_load_s": weights_load_s(log),
        "quantization": reported_quantization(log), "kernels": selected_kernels(log),
        "summary": summary}), result
