"""Where a quantized model will run, and whether its scheme can run there.

Checked before any time is spent quantizing or starting a server: a scheme the target cannot
run is a ConfigError that says why. On `vllm-cpu` the answer can depend on the instruction set
of the CPU the server runs on (vLLM's CPU build loads AVX-512 or AVX2 kernels): a recipe lists
such cases under `vllm-cpu:avx2` / `vllm-cpu:avx512`, and `cpu_isa()` reads this machine's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, get_args

from llmopt.errors import ConfigError
from llmopt.quantize.recipes import QuantRecipe

Target = Literal["vllm-cpu", "vllm-cuda", "transformers"]
TARGETS: tuple[str, ...] = get_args(Target)
"""`vllm-cpu`: the vllm-cpu build (demo profile); `vllm-cuda`: vLLM on an NVIDIA GPU (gpu
profile); `transformers`: in-process evaluation, where bitsandbytes runs."""

Isa = Literal["avx512", "avx2", "other"]
ISAS: tuple[str, ...] = get_args(Isa)
_AVX512 = {"avx512f", "avx512bw", "avx512vl", "avx512dq"}


def cpu_isa(cpuinfo: str | None = None) -> Isa:
    """The kernel set vLLM's CPU build picks on this machine (from /proc/cpuinfo's flags)."""
    if cpuinfo is None:
        path = Path("/proc/cpuinfo")
        cpuinfo = path.read_text() if path.is_file() else ""
    flags = set()
    for line in cpuinfo.splitlines():
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[1].split())
            break
    if flags >= _AVX512:
        return "avx512"
    return "avx2" if "avx2" in flags else "other"


def target_for(profile: str) -> Target:
    """The serving target of a pilot profile: `demo` runs vLLM's CPU build, `gpu` CUDA."""
    targets: dict[str, Target] = {"demo": "vllm-cpu", "gpu": "vllm-cuda"}
    if profile not in targets:
        raise ConfigError(f"unknown profile {profile!r}; valid: {', '.join(targets)}")
    return targets[profile]


def unsupported_reason(recipe: QuantRecipe, target: str, isa: str | None = None) -> str | None:
    """Why `target` cannot run `recipe`, or None when it can. `isa`: the CPU's instruction set
    for `vllm-cpu` (default: this machine's, see `cpu_isa`)."""
    if target not in TARGETS:
        raise ConfigError(f"unknown target {target!r}; valid: {', '.join(TARGETS)}")
    if isa is not None and isa not in ISAS:
        raise ConfigError(f"unknown isa {isa!r}; valid: {', '.join(ISAS)}")
    reason = recipe.cannot_serve.get(target)
    if reason is None and target == "vllm-cpu":
        reason = recipe.cannot_serve.get(f"vllm-cpu:{isa or cpu_isa()}")
    return reason


def check_servable(recipe: QuantRecipe, target: str, isa: str | None = None) -> None:
    """Raise ConfigError when `target` cannot run `recipe`, naming the schemes that it can."""
    from llmopt.quantize.recipes import RECIPES

    reason = unsupported_reason(recipe, target, isa)
    if reason is None:
        return
    where = f"{target} ({isa or cpu_isa()})" if target == "vllm-cpu" else target
    runs = [s for s, cls in RECIPES.items() if unsupported_reason(cls(), target, isa) is None]
    raise ConfigError(f"{recipe.scheme} cannot run on {where}: {reason}. "
                      f"Schemes {where} runs: {', '.join(runs)}")
