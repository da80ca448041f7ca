"""A transformers KV cache that stores what a quantized cache would give back.

Every layer but the scheme's kept ones quantizes the keys and values a forward pass writes and
keeps the dequantized result, so every later step attends to them as a quantized cache would
serve them; the pass that writes them attends to them at full precision, as vLLM's prefill does.
This measures quality, not memory: the tensors stay in the model's dtype.

    model.generate(**inputs, past_key_values=QuantizedKVCache(turboquant(3), model.config))
"""

from __future__ import annotations

import torch
from transformers import DynamicCache

from llmopt.kvquant.base import KVQuantizer
from llmopt.kvquant.scheme import KVScheme


class QuantizedKVCache(DynamicCache):
    def __init__(self, scheme: KVScheme, config, seed: int = 0):
        super().__init__(config=config)
        text = config.get_text_config(decoder=True)
        self.scheme, self.seed = scheme, seed
        self.kept = scheme.kept_layers(text.num_hidden_layers)
        self.quantizers: dict[int, tuple[KVQuantizer | None, KVQuantizer | None]] = {}

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, layer_idx: int,
               *args, **kwargs) -> tuple[torch.Tensor, torch.Tensor]:
        if layer_idx in self.kept:
            return super().update(key_states, value_states, layer_idx, *args, **kwargs)
        if layer_idx not in self.quantizers:  # an outlier split fits on the prompt's states
            seed = self.seed + 1000 * layer_idx
            self.quantizers[layer_idx] = tuple(
                spec.fitted(states, seed) if spec else None
                for spec, states in ((self.scheme.key, key_states),
                                     (self.scheme.value, value_states)))
        kq, vq = self.quantizers[layer_idx]
        keys, values = super().update(kq.roundtrip(key_states) if kq else key_states,
                                      vq.roundtrip(value_states) if vq else value_states,
                                      layer_idx, *args, **kwargs)
        n = key_states.shape[-2]
        return (torch.cat([keys[..., :-n, :], key_states], dim=-2),
                torch.cat([values[..., :-n, :], value_states], dim=-2))

