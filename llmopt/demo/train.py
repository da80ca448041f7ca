"""Training of the demo models: one recipe for both sizes, only the architecture differs.

Every training request starts with the same manual, so each step runs the manual once, shares
its keys and values across the batch, and runs only the tickets and answers per example
(4-5x less work than full sequences). The loss covers the answer tokens only. A share of the
steps use a manual with words dropped at random, so the models tolerate compressed prompts.

All but the last `manual_steps` steps leave the manual out (a curriculum). With the 480-token
manual in front from the start, a fresh model sits on a plateau for hundreds of steps before it
learns to copy from the ticket, and learns the hard tier far more slowly (2-layer, hidden 128,
3,000 steps: 42% hard with 500 steps without the manual, 71% with 2,000); the rules are
constant, so they can be learnt on tickets alone, and the last steps with the manual teach the
model to read past it. (A manual growing gradually instead was worse for the narrow models;
hidden 64 never learnt to read past the manual either way.) Measured; see the issue notes.

Each step's batch is a function of the seed and the step number alone, so batches can be made
in worker processes (a GPU outruns one Python process making them) and a run resumes from a
checkpoint with the very batches it would have seen.
"""

from __future__ import annotations

import math
import os
import random
from collections.abc import Callable
from pathlib import Path

import torch
from pydantic import BaseModel, ConfigDict, Field
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

from llmopt.demo import generator, manual, prompt


class ModelSpec(BaseModel):
    """Architecture of one demo model (Llama)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    hidden_size: int
    layers: int
    heads: int
    kv_heads: int
    intermediate_size: int

    def llama_config(self, tokenizer: PreTrainedTokenizerFast) -> LlamaConfig:
        return LlamaConfig(
            vocab_size=len(tokenizer), hidden_size=self.hidden_size,
            num_hidden_layers=self.layers, num_attention_heads=self.heads,
            num_key_value_heads=self.kv_heads, intermediate_size=self.intermediate_size,
            max_position_embeddings=1024, tie_word_embeddings=True, rope_theta=10_000.0,
            eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
            bos_token_id=None, dtype="bfloat16",
        )


class TrainConfig(BaseModel):
    """The recipe: identical for every model size."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    steps: int = 4000
    batch_size: int = 32
    lr: float = 1e-3
    warmup_steps: int = 100
    weight_decay: float = 0.05
    hard_share: float = 0.6
    manual_dropout_share: float = 0.2
    """Share of steps whose manual has 0-60% of its words dropped."""
    manual_steps: int = 1000
    """The last steps, trained with the manual in the prompt; every step before them trains on
    tickets with an empty manual (see the module docstring)."""
    seed: int = 0
    threads: int = 2

    @property
    def short_context_steps(self) -> int:
        return max(0, self.steps - self.manual_steps)


def make_model(spec: ModelSpec, tokenizer: PreTrainedTokenizerFast, seed: int) -> LlamaForCausalLM:
    torch.manual_seed(seed)
    return LlamaForCausalLM(spec.llama_config(tokenizer)).to(torch.float32)


def _manual_for_step(rng: random.Random, cfg: TrainConfig, step: int) -> str:
    if step < cfg.short_context_steps:
        return ""
    if rng.random() >= cfg.manual_dropout_share:
        return manual.MANUAL
    return _drop_words(rng, rng.uniform(0.0, 0.6))


def _drop_words(rng: random.Random, rate: float) -> str:
    """The manual with a share `rate` of its words dropped at random."""
    return " ".join(w for w in manual.MANUAL.split(" ") if rng.random() >= rate)


def make_batch(tokenizer, cfg: TrainConfig, step: int):
    """(prefix ids [1, P], input ids [B, T], labels [B, T]) for one step."""
    rng = random.Random(f"llmopt-train-{cfg.seed}-{step}")
    system = _manual_for_step(rng, cfg, step)
    prefix_text = prompt.prefix(system)
    prefix = tokenizer(prefix_text)["input_ids"]
    items = []
    for _ in range(cfg.batch_size):
        tier = "hard" if rng.random() < cfg.hard_share else "easy"
        items.append(generator.make_item(generator.sample_facts(rng, tier), rng, "train"))
    questions = tokenizer([prompt.render(system, i.user)[len(prefix_text):] for i in items])
    answers = tokenizer([prompt.answer_text(i.reference) for i in items])
    rows, labels = [], []
    for question, answer in zip(questions["input_ids"], answers["input_ids"], strict=True):
        rows.append(question + answer)
        labels.append([-100] * len(question) + answer)
    width = max(map(len, rows))
    pad = tokenizer.pad_token_id
    ids = torch.tensor([r + [pad] * (width - len(r)) for r in rows])
    lab = torch.tensor([r + [-100] * (width - len(r)) for r in labels])
    return torch.tensor([prefix]), ids, lab


def loss_on_batch(model: LlamaForCausalLM, prefix, ids, labels) -> torch.Tensor:
    """Run the shared prefix once, broadcast its KV cache over the batch, then the rest."""
    out = model.model(input_ids=prefix, use_cache=True)
    cache = out.past_key_values
    for layer in cache.layers:
        layer.keys = layer.keys.expand(ids.shape[0], -1, -1, -1)
        layer.values = layer.values.expand(ids.shape[0], -1, -1, -1)
    start = prefix.shape[1]
    positions = torch.arange(start, start + ids.shape[1]).unsqueeze(0).expand(ids.shape[0], -1)
    hidden = model.model(input_ids=ids, past_key_values=cache, position_ids=positions,
                         use_cache=False).last_hidden_state
    logits = model.lm_head(hidden[:, :-1]).float()
    return torch.nn.functional.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), labels[:, 1:].reshape(-1), ignore_index=-100
    )


class StepBatches(torch.utils.data.Dataset):
    """Batch number `step` of a recipe (for a DataLoader whose sampler lists the steps)."""

    def __init__(self, tokenizer, cfg: TrainConfig):
        self.tokenizer, self.cfg = tokenizer, cfg

    def __len__(self) -> int:
        return self.cfg.steps

    def __getitem__(self, step: int):
        return make_batch(self.tokenizer, self.cfg, step)


class TrainRun(BaseModel):
    """Where and how a recipe is run (not part of the recipe: the same recipe on another
    device or with other workers trains the same model from the same batches)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    device: str = "cpu"
    workers: int = Field(default=0, ge=0)
    """Processes that make the batches (0: the trainer's own)."""
    checkpoint: Path | None = None
    """A file the state is saved to every `checkpoint_every` steps; a run finding one of the
    same recipe and architecture goes on from it; it is removed at the end."""
    checkpoint_every: int = Field(default=500, ge=1)
    eval_every: int = Field(default=0, ge=0)
    """Print held-out accuracy every this many steps (0: never; the build's progress)."""


def train(
    spec: ModelSpec,
    tokenizer: PreTrainedTokenizerFast,
    cfg: TrainConfig,
    on_step: Callable[[int, float, LlamaForCausalLM], None] | None = None,
    run: TrainRun | None = None,
) -> LlamaForCausalLM:
    """Train a fresh model; `on_step(step, loss, model)` after every step (the model in train
    mode: a callback that evaluates it switches to eval mode and back)."""
    run = run or TrainRun()
    device, workers, checkpoint = run.device, run.workers, run.checkpoint
    torch.set_num_threads(cfg.threads)
    model = make_model(spec, tokenizer, cfg.seed).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay,
                            betas=(0.9, 0.98))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: _lr_scale(s, cfg))
    start = _resume(checkpoint, model, opt, sched, spec, cfg)
    if workers:
        os.environ["TOKENIZERS_PARALLELISM"] = "false"
    loader = torch.utils.data.DataLoader(
        StepBatches(tokenizer, cfg), batch_size=None, sampler=range(start, cfg.steps),
        num_workers=workers, prefetch_factor=8 if workers else None)
    model.train()
    for step, batch in enumerate(loader, start):
        loss = loss_on_batch(model, *(t.to(device) for t in batch))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if on_step:
            on_step(step, loss.item(), model)
        if checkpoint and (step + 1) % run.checkpoint_every == 0 and step + 1 < cfg.steps:
            _save(checkpoint, step + 1, model, opt, sched, spec, cfg)
    if checkpoint:
        checkpoint.unlink(missing_ok=True)
    model.eval()
    return model


def _save(path: Path, step: int, model, opt, sched, spec: ModelSpec, cfg: TrainConfig) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {"step": step, "spec": spec.model_dump(), "recipe": cfg.model_dump(),
             "model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict()}
    torch.save(state, path.with_suffix(".tmp"))
    path.with_suffix(".tmp").replace(path)  # a run killed while saving keeps the last one


def _resume(path: Path | None, model, opt, sched, spec: ModelSpec, cfg: TrainConfig) -> int:
    """The step to start from: the checkpoint's where it has this recipe and architecture."""
    if path is None or not path.is_file():
        return 0
    state = torch.load(path, map_location="cpu", weights_only=True)
    if state["spec"] != spec.model_dump() or state["recipe"] != cfg.model_dump():
        return 0
    model.load_state_dict(state["model"])
    opt.load_state_dict(state["opt"])
    sched.load_state_dict(state["sched"])
    return state["step"]


def _lr_scale(step: int, cfg: TrainConfig) -> float:
    if step < cfg.warmup_steps:
        return (step + 1) / cfg.warmup_steps
    progress = (step - cfg.warmup_steps) / max(1, cfg.steps - cfg.warmup_steps)
    return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress))


def count_parameters(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())

