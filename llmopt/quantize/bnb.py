"""In-process evaluation of bitsandbytes NF4 / LLM.int8() with transformers, side by side with
the unquantized model on the same requests and grader.

bitsandbytes quantizes as the model loads and vLLM 0.32 cannot serve it, so this is the path
that measures it: accuracy by tier, memory footprint and answer tokens per second. On CPU it
checks correctness; its speed is a GPU matter (the CPU kernels dequantize on the fly).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from llmopt import quiet
from llmopt.errors import ConfigError
from llmopt.evidence import Decision, Evidence, decide, paired_quality
from llmopt.quantize import source
from llmopt.quantize.recipes import QuantRecipe, recipe_from
from llmopt.workload import WorkloadItem


class InProcessRun(BaseModel):
    """What one in-process evaluation measured."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    setting: str
    """`unquantized` (the model's own dtype) or the recipe's scheme."""
    device: str
    requests: int
    accuracy_by_tier: dict[str, float]
    memory_bytes: int
    """Parameters and buffers as loaded (transformers' get_memory_footprint)."""
    load_s: float
    answer_tokens: int
    generate_s: float
    correct: list[bool] = []
    """Each request's grade, in the order of the items (for a paired comparison)."""
    tiers: list[str] = []

    @property
    def tokens_per_s(self) -> float:
        return self.answer_tokens / self.generate_s if self.generate_s > 0 else 0.0

    def row(self) -> dict[str, Any]:
        """A flat row for a table."""
        return {"setting": self.setting, "device": self.device, "requests": self.requests,
                "memory_mb": self.memory_bytes / 1e6, "load_s": self.load_s,
                "answer_tokens_per_s": self.tokens_per_s,
                **{f"accuracy_{k}": v for k, v in self.accuracy_by_tier.items()}}


def evaluate(model: str | Path, recipe: QuantRecipe | dict | str | None,
             items: list[WorkloadItem], *, batch_size: int = 8,
             max_new_tokens: int = 48) -> InProcessRun:
    """Load `model` (quantized by a bitsandbytes `recipe`, or as it is when None), answer `items`
    greedily in batches, grade the answers; CUDA when present, else CPU."""
    recipe = _bnb_recipe(recipe)
    if not items:
        raise ConfigError("evaluate needs at least one workload item")
    folder = source.resolve(model)
    source.causal_lm_config(folder)
    quiet.install()  # bitsandbytes' import-time and per-call log lines (llmopt.quiet)
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from llmopt.demo import grader
    from llmopt.demo.evaluate import accuracy_by_tier  # imports torch

    device = "cuda" if torch.cuda.is_available() else "cpu"
    options = {"dtype": "auto"} if recipe is None else {
        "quantization_config": recipe.quantization_config()}
    clock = time.monotonic()
    loaded = AutoModelForCausalLM.from_pretrained(folder, device_map=device, **options)  # nosec B615 # local (quantize.source)
    load_s = time.monotonic() - clock
    if recipe is not None and recipe.scheme == "bnb_nf4" and device == "cpu":
        _check_cpu_packing(loaded)
    tokenizer = AutoTokenizer.from_pretrained(folder)  # nosec B615 # local (quantize.source)
    generate(loaded, tokenizer, items[:1], 1, 4)  # warm-up: one-time set-up costs stay out
    clock = time.monotonic()
    outputs, tokens = generate(loaded, tokenizer, items, batch_size, max_new_tokens)
    return InProcessRun(setting="unquantized" if recipe is None else recipe.scheme, device=device,
                        requests=len(items), accuracy_by_tier=accuracy_by_tier(items, outputs),
                        memory_bytes=int(loaded.get_memory_footprint()), load_s=load_s,
                        answer_tokens=tokens, generate_s=time.monotonic() - clock,
                        correct=[grader.grade(o, i.reference or {}).correct
                                 for i, o in zip(items, outputs, strict=True)],
                        tiers=[i.tier for i in items])


def decision(run: InProcessRun, baseline: InProcessRun, budget_points: float,
             technique: str = "quantization (in-process)") -> Decision:
    """A bitsandbytes setting against the unquantized model on the same requests: dropped for
    serving, since vLLM cannot serve it; its quality change (paired) and memory are what was
    measured (its CPU speed is not a serving figure, so no cost or latency change is claimed)."""
    quality = paired_quality(baseline.correct, run.correct, tiers=run.tiers)
    memory = run.memory_bytes / baseline.memory_bytes
    return decide(technique, run.setting, Evidence(quality=quality), budget_points=budget_points,
                  blocked=f"vLLM 0.32 cannot serve it (in-process only); memory {memory:.0%} of "
                          f"{baseline.setting}, quality {quality.difference_points:+.1f} "
                          f"points {quality.interval} on {quality.n} requests")


def _bnb_recipe(recipe: QuantRecipe | dict | str | None) -> QuantRecipe | None:
    if recipe is None:
        return None
    recipe = recipe_from(recipe)
    if recipe.method != "bitsandbytes":
        raise ConfigError(f"{recipe.scheme} is an llm-compressor scheme: quantize it with "
                          "llmopt.quantize.quantize and serve the artifact; evaluate takes "
                          "bnb_nf4, bnb_int8 or None (the unquantized model)")
    return recipe


def generate(model: Any, tokenizer: Any, items: list[WorkloadItem], batch_size: int,
             max_new_tokens: int) -> tuple[list[str], int]:
    """Greedy answers to `items` (prompts rendered with the chat template) and the number of
    answer tokens generated (up to and including each answer's end token)."""
    import torch

    tokenizer.padding_side = "left"
    outputs, tokens = [], 0
    for start in range(0, len(items), batch_size):
        prompts = [tokenizer.apply_chat_template(i.messages(), tokenize=False,
                                                 add_generation_prompt=True)
                   for i in items[start : start + batch_size]]
        enc = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
        enc = enc.to(model.device)
        with torch.no_grad():
            out = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False,
                                 pad_token_id=tokenizer.pad_token_id)
        new = out[:, enc["input_ids"].shape[1] :]
        tokens += _answer_tokens(new, tokenizer.eos_token_id)
        outputs += tokenizer.batch_decode(new, skip_special_tokens=True)
    return outputs, tokens


def _check_cpu_packing(model: Any) -> None:
    """On CPUs with AVX512-BF16, bitsandbytes repacks NF4 weights for its CPU kernel at the
    first forward call, which needs out_features divisible by 32 and in_features by the
    quantization block size; elsewhere it fails deep inside with a reshape error."""
    import bitsandbytes
    from bitsandbytes.functional import has_avx512bf16

    if not has_avx512bf16():
        return
    for name, layer in model.named_modules():
        if isinstance(layer, bitsandbytes.nn.Linear4bit):
            block = layer.weight.quant_state.blocksize
            if layer.out_features % 32 or layer.in_features % block:
                raise ConfigError(
                    f"bnb_nf4 cannot run {name} ({layer.in_features} -> {layer.out_features}) "
                    f"on this CPU: bitsandbytes' AVX512-BF16 kernel needs out_features divisible "
                    f"by 32 and in_features by the block size {block}; use bnb_int8, a model "
                    "with such widths, or a GPU")


def _answer_tokens(new: Any, eos_id: int | None) -> int:
    """Tokens generated per row until its first end token (included), summed."""
    total = 0
    for row in new.tolist():
        total += row.index(eos_id) + 1 if eos_id in row else len(row)
    return total
