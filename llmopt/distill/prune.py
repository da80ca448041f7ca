"""Structured pruning of a Llama-family model: a smaller dense model, which is what serves faster.

- depth: drop the decoder layers that change their input least (block influence, ShortGPT:
  1 - cosine(hidden state in, hidden state out), averaged over the calibration tokens);
- width: keep the MLP channels with the largest mean |activation| (the input of `down_proj`,
  Minitron's activation importance), the same number in every layer.

Both read a few calibration prompts and return a new model (the original is left as it was);
`save_pruned` writes it with a manifest. Pruning loses accuracy; distilling from the unpruned
model (`train_student`, token-level) recovers what it can.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import torch
from pydantic import BaseModel, ConfigDict

from llmopt.errors import ConfigError

MANIFEST = "pruned.json"


class PruneRecord(BaseModel):
    """What was cut from which model, and by what evidence."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base: str
    kind: str
    kept_layers: list[int]
    intermediate_size: int
    parameters_before: int
    parameters_after: int
    importance: list[float]
    """Per layer (depth) or the mean per kept channel share (width): the scores cut by."""


@torch.no_grad()
def layer_importance(model, tokenizer, texts: list[str]) -> list[float]:
    """Block influence per decoder layer: 1 - mean cosine of its input and output states."""
    scores = torch.zeros(len(model.model.layers))
    for text in _checked(texts):
        states = model(**tokenizer(text, return_tensors="pt"), output_hidden_states=True
                       ).hidden_states
        for i in range(len(model.model.layers)):
            cosine = torch.cosine_similarity(states[i][0].float(), states[i + 1][0].float(), -1)
            scores[i] += (1 - cosine).mean() / len(texts)
    return scores.tolist()


@torch.no_grad()
def channel_importance(model, tokenizer, texts: list[str]) -> list[torch.Tensor]:
    """Per layer, each MLP channel's mean |activation| (the input of `down_proj`)."""
    layers = model.model.layers
    sums = [torch.zeros(layer.mlp.down_proj.in_features) for layer in layers]
    tokens = 0

    def hook(index: int):
        def add(module, args):
            sums[index].add_(args[0].float().abs().sum(dim=(0, 1)))
        return add

    handles = [layer.mlp.down_proj.register_forward_pre_hook(hook(i))
               for i, layer in enumerate(layers)]
    try:
        for text in _checked(texts):
            batch = tokenizer(text, return_tensors="pt")
            tokens += batch["input_ids"].numel()
            model(**batch)
    finally:
        for handle in handles:
            handle.remove()
    return [s / tokens for s in sums]


def prune_depth(model, drop: int, importance: list[float]):
    """A copy of `model` without its `drop` least important decoder layers."""
    layers = len(model.model.layers)
    if not 0 < drop < layers:
        raise ConfigError(f"drop must leave at least one of the {layers} layers and cut one, "
                          f"got {drop}")
    kept = sorted(sorted(range(layers), key=lambda i: importance[i])[drop:])
    pruned = copy.deepcopy(model)
    pruned.model.layers = torch.nn.ModuleList([pruned.model.layers[i] for i in kept])
    for index, layer in enumerate(pruned.model.layers):
        layer.self_attn.layer_idx = index
    pruned.config.num_hidden_layers = len(kept)
    if getattr(pruned.config, "layer_types", None):
        pruned.config.layer_types = [pruned.config.layer_types[i] for i in kept]
    return pruned, kept


def prune_width(model, keep: float, importance: list[torch.Tensor]):
    """A copy of `model` whose MLPs keep the `keep` share of their channels (the most
    important, the same count in every layer, rounded to a multiple of 8)."""
    width = model.config.intermediate_size
    if not 0 < keep < 1:
        raise ConfigError(f"keep must be a share between 0 and 1 of the {width} MLP channels, "
                          f"got {keep}")
    size = max(8, round(width * keep / 8) * 8)
    pruned = copy.deepcopy(model)
    for layer, scores in zip(pruned.model.layers, importance, strict=True):
        channels = torch.argsort(scores, descending=True)[:size].sort().values
        mlp = layer.mlp
        for name in ("gate_proj", "up_proj"):
            setattr(mlp, name, _rows(getattr(mlp, name), channels))
        mlp.down_proj = _columns(mlp.down_proj, channels)
    pruned.config.intermediate_size = size
    return pruned, size


def save_pruned(model, tokenizer, out: str | Path, record: PruneRecord) -> Path:
    """The pruned model (bfloat16, as the demo models ship), its tokenizer and `pruned.json`."""
    out = Path(out)
    model.to(torch.bfloat16).save_pretrained(out)
    tokenizer.save_pretrained(out)
    (out / MANIFEST).write_text(json.dumps(record.model_dump(), indent=2) + "\n")
    return out


def parameters(model) -> int:
    return sum(p.numel() for p in model.parameters())


def _rows(linear: torch.nn.Linear, keep: torch.Tensor) -> torch.nn.Linear:
    new = torch.nn.Linear(linear.in_features, len(keep), bias=linear.bias is not None,
                          dtype=linear.weight.dtype)
    new.weight.data = linear.weight.data[keep].clone()
    if linear.bias is not None:
        new.bias.data = linear.bias.data[keep].clone()
    return new


def _columns(linear: torch.nn.Linear, keep: torch.Tensor) -> torch.nn.Linear:
    new = torch.nn.Linear(len(keep), linear.out_features, bias=linear.bias is not None,
                          dtype=linear.weight.dtype)
    new.weight.data = linear.weight.data[:, keep].clone()
    if linear.bias is not None:
        new.bias.data = linear.bias.data.clone()
    return new


def _checked(texts: list[str]) -> list[str]:
    if not texts:
        raise ConfigError("pruning needs calibration prompts to rank by: got none")
    return texts


def zero_share(folder: str | Path) -> float:
    """The smallest share of exact zeros among a saved model's projection weights (0.5 for a
    2:4 sparse model: two of every four weights)."""
    from safetensors.torch import load_file

    weights = load_file(str(Path(folder) / "model.safetensors"))
    shares = [float((w == 0).float().mean()) for name, w in weights.items()
              if name.endswith("proj.weight")]
    if not shares:
        raise ConfigError(f"{folder} has no projection weights (*proj.weight) to look at")
    return min(shares)
