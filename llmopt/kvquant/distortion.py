"""How far a quantizer moves what it stores: on random unit vectors (the paper's setting) and on
a model's own keys and values, down to the attention a decode step computes from them."""

from __future__ import annotations

import math

import pandas as pd
import torch

from llmopt.kvquant.base import KVQuantizer
from llmopt.kvquant.capture import LayerStates
from llmopt.kvquant.codebook import codebook
from llmopt.kvquant.mse import TurboQuantMSE
from llmopt.kvquant.prod import TurboQuantProd
from llmopt.kvquant.scheme import KVScheme

DATA_SEED = 1_000_000
PAPER_MSE = {1: 0.36, 2: 0.117, 3: 0.03, 4: 0.009}
"""TurboQuant-MSE distortion E|x - x_hat|^2 of a unit vector, as the paper prints it."""
PAPER_PROD = {1: 1.57, 2: 0.56, 3: 0.18, 4: 0.047}
"""TurboQuant-prod inner-product distortion d x E(<y, x_hat> - <y, x>)^2, as the paper prints it."""


def unit_vectors(n: int, dim: int, seed: int = 0) -> torch.Tensor:
    x = torch.randn(n, dim, generator=torch.Generator().manual_seed(seed))
    return x / x.norm(dim=-1, keepdim=True)


def relative_error(quantizer: KVQuantizer, x: torch.Tensor) -> float:
    """sum |x - x_hat|^2 / sum |x|^2: the distortion of unit vectors, scale-free otherwise."""
    return float((x - quantizer.roundtrip(x)).pow(2).sum() / x.pow(2).sum())


def paper_check(dim: int = 128, n: int = 20_000, seed: int = 0) -> pd.DataFrame:
    """Per bit width 1-4 on `n` random unit vectors: TurboQuant-MSE's distortion (measured, the
    codebook's expectation, the paper's), and TurboQuant-prod's inner-product distortion and
    bias against random unit queries, with the bias's 95% interval. The vectors come from other
    seeds than the quantizers' rotation and sketch (vectors drawn from the very stream a rotation
    is built from line up with it and quantize worse than random ones)."""
    x, y = unit_vectors(n, dim, seed + DATA_SEED), unit_vectors(n, dim, seed + DATA_SEED + 1)
    rows = []
    for bits in PAPER_MSE:
        error = (y * TurboQuantProd(bits, dim, seed=seed).roundtrip(x)).sum(-1) - (y * x).sum(-1)
        half = 1.96 * float(error.std()) / math.sqrt(n)
        rows.append({"bits": bits,
                     "mse_measured": relative_error(TurboQuantMSE(bits, dim, seed=seed), x),
                     "mse_expected": codebook(bits, dim).distortion,
                     "mse_paper": PAPER_MSE[bits],
                     "prod_measured": dim * float(error.pow(2).mean()),
                     "prod_paper": PAPER_PROD[bits],
                     "prod_bias": float(error.mean()), "prod_bias_low": float(error.mean()) - half,
                     "prod_bias_high": float(error.mean()) + half})
    return pd.DataFrame(rows).set_index("bits")


def attention_error(states: LayerStates, keys: torch.Tensor, values: torch.Tensor
                    ) -> dict[str, float]:
    """A decode step's view: every query attends (causally) to the stored `keys`/`values`
    instead of the exact ones. Relative error of the scores and of the attention output, and
    the mean total-variation distance between the two attention distributions."""
    group = states.queries.shape[0] // states.keys.shape[0]
    q = states.queries
    exact_k, exact_v, k, v = (t.repeat_interleave(group, dim=0)
                              for t in (states.keys, states.values, keys, values))
    scale = 1 / math.sqrt(q.shape[-1])
    tokens = q.shape[1]
    causal = torch.ones(tokens, tokens, dtype=torch.bool).tril()
    scores, approx = (q @ exact_k.mT) * scale, (q @ k.mT) * scale
    weights = scores.masked_fill(~causal, -torch.inf).softmax(-1)
    approx_weights = approx.masked_fill(~causal, -torch.inf).softmax(-1)
    out, approx_out = weights @ exact_v, approx_weights @ v
    return {"score_error": float((scores - approx)[:, causal].norm() / scores[:, causal].norm()),
            "attention_tv": float(0.5 * (weights - approx_weights).abs().sum(-1).mean()),
            "output_error": float((out - approx_out).norm() / out.norm())}


def layer_table(scheme: KVScheme, texts: list[list[LayerStates]], seed: int = 0
                ) -> pd.DataFrame:
    """Per layer of the captured `texts` under `scheme`: relative key and value error and the
    attention errors (means over the texts); kept layers show zeros."""
    layers = len(texts[0])
    kept = scheme.kept_layers(layers)
    rows = []
    for layer in range(layers):
        states = [text[layer] for text in texts]
        kq, vq = (spec.fitted(torch.cat([getattr(s, name) for s in states], dim=1),
                              seed + 1000 * layer) if spec and layer not in kept else None
                  for spec, name in ((scheme.key, "keys"), (scheme.value, "values")))
        per_text = []
        for s in states:
            k = kq.roundtrip(s.keys) if kq else s.keys
            v = vq.roundtrip(s.values) if vq else s.values
            per_text.append({"key_error": float((s.keys - k).pow(2).sum() / s.keys.pow(2).sum()),
                             "value_error": float((s.values - v).pow(2).sum()
                                                  / s.values.pow(2).sum()),
                             **attention_error(s, k, v)})
        rows.append({"scheme": scheme.name, "layer": layer, "kept": layer in kept,
                     **pd.DataFrame(per_text).mean().to_dict()})
    return pd.DataFrame(rows)

