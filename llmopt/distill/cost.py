"""What training a student costs: measured CPU seconds here, and an ESTIMATE of GPU-hours and
dollars for the gpu profile's path (its target labels, a 1B-class student trains with LoRA).

Training compute is counted in FLOPs per trained token (Kaplan et al.'s 6N for a forward and
backward pass of N parameters; 4N with LoRA, whose frozen weights need no weight gradients;
2N for a teacher's forward pass in token-level distillation), divided by the GPU's peak dense
bf16 rate times a model FLOPs utilization (`mfu`, 0.4 by default: a stated assumption, not a
measurement). Labelling is the teacher serving the requests: their tokens over its measured or
stated tokens/s. The business case reads the total as a one-off cost.
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict

from llmopt.distill.recipe import StudentRecipe
from llmopt.errors import ConfigError

H100_BF16_TFLOPS = 989.0
"""NVIDIA H100 SXM dense BF16 tensor-core peak (datasheet), TFLOP/s."""


class TrainingCost(BaseModel):
    """One student's training, priced."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    what: str
    tokens: int
    training_flops: float
    gpu_hours: float
    usd: float
    assumptions: str


def training_cost(recipe: StudentRecipe, student_parameters: int, teacher_parameters: int,
                  examples: int, tokens_per_example: int, usd_per_gpu_hour: float,
                  teacher_tokens_per_s: float, epochs: float = 1.0, mfu: float = 0.4,
                  peak_tflops: float = H100_BF16_TFLOPS) -> TrainingCost:
    """GPU-hours and $ to label `examples` requests with the teacher and train the student on
    them for `epochs` (ESTIMATE: see the module's assumptions)."""
    for name, value in (("student_parameters", student_parameters),
                        ("teacher_parameters", teacher_parameters), ("examples", examples),
                        ("tokens_per_example", tokens_per_example),
                        ("usd_per_gpu_hour", usd_per_gpu_hour),
                        ("teacher_tokens_per_s", teacher_tokens_per_s), ("epochs", epochs),
                        ("mfu", mfu), ("peak_tflops", peak_tflops)):
        if not 0 < value < math.inf:
            raise ConfigError(f"{name} must be a finite number > 0, got {value!r}")
    tokens = int(examples * tokens_per_example * epochs)
    per_token = (4 if recipe.lora else 6) * student_parameters
    if recipe.method == "token":
        per_token += 2 * teacher_parameters
    flops = per_token * tokens
    train_hours = flops / (peak_tflops * 1e12 * mfu) / 3600
    label_hours = examples * tokens_per_example / teacher_tokens_per_s / 3600
    hours = train_hours + label_hours
    return TrainingCost(
        what=f"{recipe.method}-level, {'LoRA' if recipe.lora else 'full weights'}",
        tokens=tokens, training_flops=flops, gpu_hours=hours, usd=hours * usd_per_gpu_hour,
        assumptions=f"ESTIMATE: {per_token / student_parameters:.0f}N FLOPs per trained token "
                    f"(N = {student_parameters:,}), {peak_tflops:g} TFLOP/s peak at {mfu:.0%} "
                    f"utilization; labelling at {teacher_tokens_per_s:,.0f} teacher tokens/s")

