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
from llmopt.kvquant.split import ChannelSplit


class QuantizedKVCache(DynamicCache):
    def __init__(self, scheme: KVScheme, config, seed: int = 0):
        super().__init__(config=config)
        text = config.get_text_config(decoder=True)
        self.scheme, self.seed = scheme, seed
        self.kept = scheme.kept_layers(text.num_hidden_layers)
        self.head_dim = getattr(text, "head_dim", None) or \
            text.hidden_size // text.num_attention_heads
        self.quantizers: dict[int, tuple[KVQuantizer | None, KVQuantizer | None]] = {}

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, layer_idx: int,
               *args, **kwargs) -> tuple[torch.Tensor, torch.Tensor]:
        if layer_idx in self.kept:
            return super().update(key_states, value_states, layer_idx, *args, **kwargs)
        if layer_idx not in self.quantizers:
            self.quantizers[layer_idx] = (self._build(self.scheme.key, layer_idx, key_states),
                                          self._build(self.scheme.value, layer_idx,
                                                      value_states))
        kq, vq = self.quantizers[layer_idx]
        keys, values = super().update(kq.roundtrip(key_states) if kq else key_states,
                                      vq.roundtrip(value_states) if vq else value_states,
                                      layer_idx, *args, **kwargs)
        n = key_states.shape[-2]
        return (torch.cat([keys[..., :-n, :], key_states], dim=-2),
                torch.cat([values[..., :-n, :], value_states], dim=-2))

    def _build(self, spec, layer_idx: int, first: torch.Tensor) -> KVQuantizer | None:
        """The layer's quantizer (its own rotation seed); an outlier split picks its channels
        from the first states it is given (the prompt's)."""
        if spec is None:
            return None
        quantizer = spec.build(self.head_dim, seed=self.seed + 1000 * layer_idx)
        return quantizer.fit(first) if isinstance(quantizer, ChannelSplit) else quantizer
