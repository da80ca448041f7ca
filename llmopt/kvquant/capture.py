"""A model's own queries, keys and values, hooked in process: what its KV cache would hold.

Each text runs alone (no padding), so every captured token is a real one. Keys and queries are
taken after the rotary embedding, as the cache stores them and attention uses them.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from transformers import DynamicCache
from transformers.models.llama.modeling_llama import apply_rotary_pos_emb


@dataclass(frozen=True)
class LayerStates:
    """One text's states in one layer, float32: [heads, tokens, head_dim]."""

    queries: torch.Tensor
    keys: torch.Tensor
    values: torch.Tensor


@torch.no_grad()
def capture(model, tokenizer, texts: list[str]) -> list[list[LayerStates]]:
    """Per text, per layer: the queries, keys and values of a forward pass over the text."""
    attentions = [layer.self_attn for layer in model.model.layers]
    queries: dict[int, torch.Tensor] = {}

    def hook(index: int):
        def keep_queries(module, args, kwargs, output):
            hidden = kwargs.get("hidden_states", args[0] if args else None)
            q = module.q_proj(hidden).unflatten(-1, (-1, module.head_dim)).transpose(1, 2)
            cos, sin = kwargs["position_embeddings"]
            queries[index] = apply_rotary_pos_emb(q, q, cos, sin)[0]
        return keep_queries

    handles = [a.register_forward_hook(hook(i), with_kwargs=True)
               for i, a in enumerate(attentions)]
    try:
        found = []
        for text in texts:
            cache = DynamicCache(config=model.config)
            model(**tokenizer(text, return_tensors="pt"), past_key_values=cache, use_cache=True)
            found.append([LayerStates(queries[i][0].float(), layer.keys[0].float(),
                                      layer.values[0].float())
                          for i, layer in enumerate(cache.layers)])
        return found
    finally:
        for handle in handles:
            handle.remove()
