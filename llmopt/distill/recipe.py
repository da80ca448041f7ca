"""How a student is trained: the method, its steps and rates, LoRA or full weights."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Method = Literal["sequence", "token"]
METHODS: tuple[Method, ...] = ("sequence", "token")


class LoraSpec(BaseModel):
    """A LoRA adapter (PEFT) on the attention and MLP projections; merged into the weights after
    training, so the student is served as a plain model."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    r: int = Field(default=16, ge=1)
    alpha: int = Field(default=32, ge=1)
    dropout: float = Field(default=0.05, ge=0, lt=1)
    target_modules: list[str] = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj",
                                 "down_proj"]


class StudentRecipe(BaseModel):
    """- `sequence`: fine-tune on the teacher's answers (TRL's SFTTrainer, loss on the answer);
    - `token`: match the teacher's next-token distribution on the student's own answers (TRL's
      DistillationTrainer, the successor of GKD: a generalized Jensen-Shannon divergence whose
      `beta` runs from forward KL, 0, to reverse KL, 1); the two must share a tokenizer."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    method: Method
    steps: int = Field(ge=1)
    batch_size: int = Field(default=16, ge=1)
    learning_rate: float = Field(default=1e-4, gt=0)
    seed: int = 0
    lora: LoraSpec | None = None
    """None: every weight trains (the demo's tiny models); a LoRA for real models."""
    beta: float = Field(default=0.5, ge=0, le=1)
    max_completion_tokens: int = Field(default=64, ge=1)
    """Token-level: the longest answer the student writes for the teacher to score."""
    save_every: int = Field(default=50, ge=1)
    """Steps between checkpoints: an interrupted training resumes from the last one."""
