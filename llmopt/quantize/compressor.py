"""`quantize`: run an llm-compressor recipe on a causal LM and write an artifact folder.

Runs in the main environment (llm-compressor and vLLM pin different compressed-tensors, so
they live apart: the folder on disk is the interface). On a machine without an accelerator,
llm-compressor 0.14's sequential pipeline (AWQ, GPTQ) tries to pin CPU memory for transfers to a
device that does not exist and fails; `_no_pinning_without_accelerator` turns that pinning off
for the duration of the call only, and only when no accelerator is present.

Without an accelerator the model is also calibrated in float32 (CPUs without native bfloat16
run bf16 matrix products several times slower) and cast back to its own dtype before saving,
so the artifact's scales and unquantized layers have the source model's precision.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import os
import shutil
import sys
import time
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from llmopt import quiet
from llmopt.errors import ConfigError
from llmopt.quantize import artifact, source
from llmopt.quantize.artifact import Artifact, CalibrationRecord, Manifest, SourceModel
from llmopt.quantize.calibration import Calibration, fingerprint
from llmopt.quantize.recipes import QuantRecipe, recipe_from
from llmopt.quantize.target import check_servable

VERSIONS = ("llmcompressor", "compressed-tensors", "transformers", "torch")
LOG = "quantize.log"
"""llm-compressor's log and progress bars, kept in the artifact folder instead of the console."""


def quantize(model: str | Path, recipe: QuantRecipe | dict | str, out_dir: str | Path,
             calibration: Calibration | None = None, *, target: str | None = None,
             overwrite: bool = False) -> Artifact:
    """Quantize `model` with `recipe` into `out_dir`; checks everything before loading weights.

    `target`: where the artifact will be served (`vllm-cpu`, `vllm-cuda`); a scheme it cannot
    run is refused before any work. `overwrite`: replace an existing non-empty `out_dir`.
    """
    recipe = _check_recipe(recipe_from(recipe), calibration, target)
    folder = source.resolve(model)
    config = source.causal_lm_config(folder)
    _check_widths(recipe, config)
    out = _prepare(Path(out_dir), overwrite)
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)  # nosec B615 # local (quantize.source)
    texts = calibration.texts(tokenizer) if recipe.needs_calibration else None
    started, clock = datetime.now(UTC), time.monotonic()
    device, tokens = _compress(folder, recipe, out, tokenizer, texts, calibration)
    seconds = time.monotonic() - clock
    record = None if texts is None else CalibrationRecord(
        settings=calibration, texts=len(texts), tokens=tokens, sha256=fingerprint(texts))
    manifest = Manifest(
        recipe=recipe, source=_source(model, folder, config), calibration=record,
        created_at=started.isoformat(timespec="seconds"), seconds=round(seconds, 2),
        weights_bytes=artifact.weights_bytes(out), folder_bytes=artifact.folder_bytes(out),
        device=device, versions={name: metadata.version(name) for name in VERSIONS})
    (out / artifact.MANIFEST).write_text(manifest.model_dump_json(indent=2) + "\n")
    return Artifact(path=out, manifest=manifest)


def _check_recipe(recipe: QuantRecipe, calibration: Calibration | None,
                  target: str | None) -> QuantRecipe:
    if target is not None:
        check_servable(recipe, target)
    if recipe.method != "llm-compressor":
        raise ConfigError(f"{recipe.scheme} quantizes as transformers loads the model and writes "
                          "no artifact: evaluate it with llmopt.quantize.bnb.evaluate")
    if recipe.needs_calibration and calibration is None:
        raise ConfigError(f"{recipe.scheme} reads activations from calibration data and none was "
                          "given: pass calibration=Calibration(workload='demo') or a workload "
                          "JSONL (fp8_dynamic is the data-free scheme)")
    return recipe


def _check_widths(recipe: QuantRecipe, config: dict[str, Any]) -> None:
    group = getattr(recipe, "group_size", None)
    if group is None:
        return
    bad = {k: v for k, v in source.layer_widths(config).items() if v % group}
    if bad:
        raise ConfigError(f"group_size {group} does not divide the model's layer widths {bad}; "
                          "pick a group size that does (32, 64 or 128)")


def _prepare(out: Path, overwrite: bool) -> Path:
    if out.exists() and any(out.iterdir()):
        if not overwrite:
            raise ConfigError(f"output folder {out} exists and is not empty; choose another or "
                              "pass overwrite=True")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    return out


def _compress(folder: Path, recipe: QuantRecipe, out: Path, tokenizer: Any,
              texts: list[str] | None, calibration: Calibration | None) -> tuple[str, int]:
    """Load, run llm-compressor's oneshot, save compressed; the device and calibration tokens."""
    import torch

    quiet.install()  # torch.fx's and bitsandbytes' lines on the way (llmopt.quiet)
    _import_quietly()
    from llmcompressor import oneshot
    from transformers import AutoModelForCausalLM

    on_cpu = not torch.accelerator.is_available()
    tokens, options = 0, {}
    if texts is not None:
        dataset, tokens = _dataset(tokenizer, texts, calibration.max_seq_length)
        options = {"dataset": dataset, "num_calibration_samples": len(texts),
                   "max_seq_length": calibration.max_seq_length,
                   "shuffle_calibration_samples": False}
    with _no_pinning_without_accelerator() as device, _logged_to(out / LOG):
        model = AutoModelForCausalLM.from_pretrained(  # nosec B615 # local (quantize.source)
            folder, dtype=torch.float32 if on_cpu else "auto")
        oneshot(model=model, recipe=recipe.modifiers(), **options)
        own_dtype = _config_dtype(folder)
        if on_cpu and own_dtype is not None:
            model.to(own_dtype)
        with warnings.catch_warnings():  # llm-compressor leaves its CPU offload hooks; the model
            # is whole in memory, so the shard-size caution does not apply
            warnings.filterwarnings("ignore", message="Attempting to save a model with offloaded")
            model.save_pretrained(out, save_compressed=True)
    tokenizer.save_pretrained(out)
    return device, tokens


def _config_dtype(folder: Path) -> Any:
    import torch

    config = source.causal_lm_config(folder)
    name = config.get("dtype") or config.get("torch_dtype")
    return getattr(torch, name) if isinstance(name, str) and hasattr(torch, name) else None


def _dataset(tokenizer: Any, texts: list[str], max_length: int) -> tuple[Any, int]:
    from datasets import Dataset

    encoded = tokenizer(texts, add_special_tokens=False, truncation=True, max_length=max_length)
    tokens = sum(len(ids) for ids in encoded["input_ids"])
    return Dataset.from_dict(dict(encoded)), tokens


@contextlib.contextmanager
def _no_pinning_without_accelerator() -> Iterator[str]:
    """Yield the device llm-compressor computes on; without one, skip its memory pinning."""
    import torch
    from llmcompressor.pipelines.cache import IntermediatesCache

    if torch.accelerator.is_available():
        yield str(torch.accelerator.current_accelerator())
        return
    original = IntermediatesCache.__dict__["_pin_intermediate"]
    IntermediatesCache._pin_intermediate = classmethod(lambda cls, intermediate: None)
    try:
        yield "cpu"
    finally:
        IntermediatesCache._pin_intermediate = original


def _import_quietly() -> None:
    """Import llm-compressor without the line it prints on import on a machine without an
    accelerator ("get_main_device | WARNING - No accelerator available! Compressing model on
    CPU instead": llmcompressor.modeling.fuse asks for the device at import): on the CPU that is
    the plan, and the manifest records the device. Its logger is configured on import from
    LLM_COMPRESSOR_LOG_LEVEL, so the import runs with that at ERROR, then gets llm-compressor's
    own defaults back (console at INFO). A level the user set is left as it is."""
    if "llmcompressor" in sys.modules or LOG_LEVEL_VAR in os.environ:
        return
    os.environ[LOG_LEVEL_VAR] = "ERROR"
    try:
        lc = importlib.import_module("llmcompressor.logger")
    finally:
        del os.environ[LOG_LEVEL_VAR]
    lc.configure_logger(lc.LoggerConfig())


LOG_LEVEL_VAR = "LLM_COMPRESSOR_LOG_LEVEL"


@contextlib.contextmanager
def _logged_to(path: Path) -> Iterator[None]:
    """Send llm-compressor's log (loguru) and progress bars (stderr) to `path` for the duration
    of the call; its console logging is restored afterwards."""
    lc = importlib.import_module("llmcompressor.logger")  # the module, not its `logger`
    saved = dataclasses.replace(lc.LOGGER_CONFIG)
    with path.open("a", encoding="utf-8") as handle:
        lc.configure_logger(lc.LoggerConfig(console_log_level=None,
                                            metrics_disabled=saved.metrics_disabled))
        sink = lc.logger.add(handle, level="INFO", format=_LOG_FORMAT)
        try:
            with contextlib.redirect_stderr(handle), contextlib.redirect_stdout(handle):
                yield
        finally:
            lc.logger.remove(sink)
            lc.configure_logger(saved)


_LOG_FORMAT = "{time:YYYY-MM-DDTHH:mm:ss} | {level} | {message}"


def _source(model: str | Path, folder: Path, config: dict[str, Any]) -> SourceModel:
    return SourceModel(model=str(model), path=str(folder.resolve()),
                       architecture=config["architectures"][0],
                       sha256=artifact.folder_digest(folder),
                       weights_bytes=artifact.weights_bytes(folder))
