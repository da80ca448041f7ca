"""KV-cache quantization measured in process: which bits a model's own keys and values take.

TurboQuant (Zandieh et al., ICLR 2026) rotates each vector at random and quantizes every
coordinate with a Lloyd-Max codebook for the coordinate's known law (`TurboQuantMSE`); for
unbiased inner products it spends the last bit on a 1-bit QJL sketch of the residual
(`TurboQuantProd`). vLLM ships its own variant (`vllm(dtype)`: Hadamard rotation, Gaussian
codebook or FP8 keys, uniform values, boundary layers kept). `kivi(bits)` is the uniform
baseline. A `KVScheme` runs inside a transformers model as `QuantizedKVCache`; `distortion`,
`accuracy` and `capacity` measure what it costs and buys.

    from llmopt.kvquant import QuantizedKVCache, turboquant
    model.generate(**inputs, past_key_values=QuantizedKVCache(turboquant(3.5), model.config))
"""

from llmopt.kvquant.base import KVQuantizer
from llmopt.kvquant.cache import QuantizedKVCache
from llmopt.kvquant.codebook import Codebook, codebook
from llmopt.kvquant.fp8 import Fp8Quantizer
from llmopt.kvquant.mse import TurboQuantMSE
from llmopt.kvquant.prod import TurboQuantProd
from llmopt.kvquant.rotation import hadamard, random_rotation
from llmopt.kvquant.scheme import BF16, KVScheme, QuantizerSpec, kivi, turboquant, vllm
from llmopt.kvquant.split import ChannelSplit
from llmopt.kvquant.uniform import UniformQuantizer

__all__ = ["BF16", "ChannelSplit", "Codebook", "Fp8Quantizer", "KVQuantizer", "KVScheme",
           "QuantizedKVCache", "QuantizerSpec", "TurboQuantMSE", "TurboQuantProd",
           "UniformQuantizer", "codebook", "hadamard", "kivi", "random_rotation", "turboquant",
           "vllm"]
