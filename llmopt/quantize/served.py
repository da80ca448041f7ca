"""Serve a model folder (the unquantized baseline or a quantized artifact) with vLLM, measure
it with llmopt.bench, and read what the server reports about its quantization.

Every variant is measured the same way: one server start (load time = launch to healthy), the
same requests at a fixed concurrency in interleaved rounds (llmopt.bench.interleave), graded by
the same grader. A server that cannot start is a result too: its own error is kept.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from llmopt.quantize import artifact, source

# vLLM 0.32 logs its engine config as "... quantization=compressed-tensors, ..." (None when
# unquantized), the linear kernel it picks per scheme as "Selected CPUInt8ScaledMMLinearKernel
# for CompressedTensorsW8A8Int8" or "Using CPUWNA16LinearKernel for CompressedTensorsWNA16", and
# the weight load as "Loading weights took 0.02 seconds".
_QUANTIZATION = re.compile(r"\bquantization=([\w.-]+)")
_KERNEL = re.compile(r"(?:Selected|Using) (\w+) for (CompressedTensors\w+)")
_LOAD = re.compile(r"Loading weights took ([\d.]+) seconds")
_ERROR = re.compile(r"(?:^|\] )(\w+(?:Error|Exception): .+)$")
"""An exception line of a traceback, as vLLM logs it ("... [file.py:123] AttributeError: ...")
or as Python prints it; not an exception named inside a sentence."""


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
    """{vLLM scheme class: kernel class} for every "Selected/Using K for S" line of the log."""
    return {scheme: kernel for kernel, scheme in _KERNEL.findall(log)}


def first_error(log: str) -> str | None:
    """The first `SomethingError: message` line of the log (the root cause vLLM reports)."""
    for line in log.splitlines():
        match = _ERROR.search(line)
        if match:
            return match[1].strip()
    return None


def not_served(setting: str, model: str | Path, reason: str) -> ServedRun:
    """A variant left unserved on purpose (its scheme cannot run on the target), with why."""
    weights = artifact.weights_bytes(source.resolve(str(model)))
    return ServedRun(setting=setting, model=str(model), weights_bytes=weights, served=False,
                     error=reason)


def report(setting: str, server: Any, result: Any = None,
           error: Exception | None = None) -> ServedRun:
    """One variant as its server reported it: start-up, the quantization and kernels from its
    log, and the bench summary of `result` (its requests). A server that did not start (`error`,
    e.g. from `llmopt.serve.serving(..., keep_going=True)`) keeps its own error."""
    model = server.config.model
    weights = artifact.weights_bytes(source.resolve(model))  # a hub id: its local snapshot
    log = server.log_text()
    if error is not None or result is None:
        died = first_error(log) or str(error or "not measured")[-2000:]
        return ServedRun(setting=setting, model=model, weights_bytes=weights, served=False,
                         startup_s=server.startup_s, error=died)
    return ServedRun(setting=setting, model=model, weights_bytes=weights, served=True,
                     startup_s=server.startup_s, weights_load_s=weights_load_s(log),
                     quantization=reported_quantization(log), kernels=selected_kernels(log),
                     summary=result.summary().iloc[0].to_dict())


def compare(baseline: Any, variants: dict[str, Any], items: list, *, warmup: list,
            in_flight: int, results_dir: str | Path, endpoint: dict[str, Any],
            **run_args: Any) -> tuple[list[ServedRun], dict[str, Any]]:
    """Each variant's (not yet started) server started beside the running `baseline` server
    (the unquantized model) and sent the same `items` interleaved with it, `in_flight` at a
    time (llmopt.bench.beside). Returns every variant's `ServedRun` (the baseline's first) and
    the measured `Pair`s by setting."""
    from llmopt.bench import beside

    measured = beside(baseline, variants, {in_flight: items}, warmup=warmup,
                      results_dir=results_dir, endpoint=endpoint, **run_args)
    pairs = {name: got[in_flight] for name, got in measured.items() if isinstance(got, dict)}
    first = next(iter(pairs.values()), None)
    runs = [report("unquantized", baseline, first and first.baseline)]
    for name, got in measured.items():
        runs.append(report(name, variants[name], pairs[name].candidate)
                    if name in pairs else report(name, variants[name], error=got))
    return runs, pairs
