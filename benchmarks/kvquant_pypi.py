"""llmopt.kvquant's TurboQuant against the PyPI package pyturboquant 0.1.1, side by side:
distortion at equal bits on random unit vectors, and quantize / dequantize throughput.

    PYTHONPATH=. /root/.cache/llmopt/venvs/bench-turboquant/bin/python \\
        benchmarks/kvquant_pypi.py [--n 20000] [--dims 32,128] [--dim 128] [--batch 4096]

pyturboquant lives in its own environment (docs/benchmarks/kvquant.md says how it is made).

Distortion, per head dimension in --dims, on --n random unit vectors: TurboQuant-MSE's mean
|x - x_hat|^2 at 1-4 bits; TurboQuant-prod's d x mean (<y, x_hat> - <y, x>)^2 at 2-4 bits over
random unit queries y, and its bias (mean error) for random y and for y at <y, x> = 0.5, with
95% intervals. Expected values come from each codebook under the exact law of a rotated unit
vector's coordinate; for prod, also from the one QJL matrix S both packages draw
(`sketch_terms`): prod is unbiased and at the paper's distortion on average over S ("any S"),
and one fixed S is off both by a few percent at d=32.

Throughput, at --dim on --threads threads: vectors (one token's head) per second for a batch
of --batch, median of --repeats timed runs after one warm-up, the two packages interleaved.
pyturboquant's prod `dequantize` gives the MSE part only, so its column here is the full
reconstruction, MSE part + sqrt(pi/2) / d x |r| x S^T sign(S r), as ours is.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time

import numpy as np
import pandas as pd
import torch

from llmopt.kvquant.codebook import _law, codebook
from llmopt.kvquant.mse import TurboQuantMSE
from llmopt.kvquant.prod import TurboQuantProd

try:
    from pyturboquant.core import InnerProductQuantizer, MSEQuantizer
    from pyturboquant.core.codebook import get_codebook
    from pyturboquant.core.packed import unpack_bits_batch
except ImportError:
    sys.exit("pyturboquant is not importable from this python. Make its environment (see "
             "docs/benchmarks/kvquant.md) and install it there with\n"
             "    pip install --no-deps --ignore-requires-python pyturboquant==0.1.1\n"
             "then run this script with that environment's python and PYTHONPATH=.")

PAPER_MSE = {1: 0.36, 2: 0.117, 3: 0.03, 4: 0.009}
"""As llmopt.kvquant.distortion has them (not imported: that module loads transformers)."""
PAPER_PROD = {2: 0.56, 3: 0.18, 4: 0.047}
DATA_SEED = 1_000_000
"""Test vectors are drawn from seeds far from the quantizers' (--seed, --seed + 1): pyturboquant
draws its rotation as float32 torch.randn(d, d) from `seed` and both draw the QJL matrix S that
way from `seed + 1`, so vectors from torch.randn(n, d) under those seeds begin with the very
rows the rotation or S was made from, and quantize far off the law (pyturboquant at d=128,
b=4: 0.021 instead of 0.0093 on 2000 vectors drawn from seed 0)."""
MSE_BITS, PROD_BITS = (1, 2, 3, 4), (2, 3, 4)
SPEED = (("mse", 2), ("mse", 3), ("mse", 4), ("prod", 3), ("prod", 4))
DIFFERENCES = (
    "Differences: our codebook is Lloyd-Max for the exact Beta law of a rotated unit vector's "
    "coordinate, pyturboquant's for the Gaussian N(0, 1/d) (the same at large d, apart at d=32); "
    "both rotate by a Haar matrix from QR of a seeded Gaussian (ours drawn and factored in "
    "float64, theirs in float32, so the matrices differ) and share the QJL matrix S exactly "
    "(torch.randn(d, d) from seed + 1); we keep one uint8 per index, int8 signs and fp16 "
    "norms, they bit-pack indices and signs and keep float32 norms; their prod dequantize() "
    "returns only the MSE part (inner products go through estimate_inner_product).")


def unit_vectors(n: int, dim: int, stream: int) -> torch.Tensor:
    """Random unit vectors from seed DATA_SEED + stream (never a quantizer's seed)."""
    x = torch.randn(n, dim, generator=torch.Generator().manual_seed(DATA_SEED + stream))
    return x / x.norm(dim=-1, keepdim=True)


def at_cosine(x: torch.Tensor, cosine: float, stream: int) -> torch.Tensor:
    """Unit vectors y with <y, x> = cosine exactly, otherwise random."""
    u = unit_vectors(x.shape[0], x.shape[1], stream)
    u = u - (u * x).sum(-1, keepdim=True) * x
    u = u / u.norm(dim=-1, keepdim=True)
    return cosine * x + math.sqrt(1 - cosine**2) * u


def interval(values: torch.Tensor) -> str:
    """Mean ± half a 95% interval, as text."""
    half = 1.96 * float(values.std()) / math.sqrt(values.numel())
    return f"{float(values.mean()):+.5f} ± {half:.5f}"


def expected_mse(levels: torch.Tensor, dim: int) -> float:
    """E|x - x_hat|^2 of a unit vector quantized coordinate by coordinate with `levels` (cells
    split at midpoints), under the Beta law a rotated unit vector's coordinate follows."""
    mass, first_moment = _law(dim, "sphere")
    c = levels.double().numpy()
    edges = np.concatenate([[-np.inf], (c[1:] + c[:-1]) / 2, [np.inf]])
    p, m1 = (np.diff(f(edges)) for f in (mass, first_moment))
    return float(dim * (1 / dim - 2 * (c * m1).sum() + (c**2 * p).sum()))


def pyt_reconstruct(q: InnerProductQuantizer, qt) -> torch.Tensor:
    """pyturboquant's prod codes back to vectors: its MSE part plus the QJL residual."""
    s = q.qjl_transform.projection_matrix
    signs = unpack_bits_batch(qt.qjl_bits.reshape(-1, qt.qjl_bits.shape[-1]), s.shape[0])
    residual = (math.sqrt(math.pi / 2) / s.shape[0] * qt.residual_norms.reshape(-1, 1)
                * (signs @ s))
    return q.dequantize(qt).reshape(-1, q.dim) + residual


def mse_table(x: torch.Tensor, seed: int) -> pd.DataFrame:
    dim, rows = x.shape[1], []
    for bits in MSE_BITS:
        ours = (x - TurboQuantMSE(bits, dim, seed=seed).roundtrip(x)).pow(2).sum(-1)
        pq = MSEQuantizer(dim, bits=bits, seed=seed)
        pyt = (x - pq.dequantize(pq.quantize(x))).pow(2).sum(-1)
        rows.append({"d": dim, "bits": bits, "ours": float(ours.mean()),
                     "ours_expected": codebook(bits, dim).distortion,
                     "pyturboquant": float(pyt.mean()),
                     "pyt_expected": expected_mse(get_codebook(dim, bits).centroids, dim),
                     "paper": PAPER_MSE[bits], "ours - pyt (95%)": interval(ours - pyt)})
    return pd.DataFrame(rows)


def sketch_terms(dim: int, seed: int) -> tuple[float, float]:
    """For the QJL matrix S both packages draw at `seed`, with the residual's direction uniform:
    the gain E<r_hat, r> / |r|^2 (1 on average over S) and E|r_hat - r|^2 / |r|^2, so that
    d x E(<y, r_hat> - <y, r>)^2 = that factor x E|r|^2 for random unit y (pi/2 - 1/d on
    average over S). Sign agreement of two rows at angle theta: 1 - 2 theta / pi."""
    s = TurboQuantProd(2, dim, seed=seed).sketch
    pyt = InnerProductQuantizer(dim, bits=2, seed=seed).qjl_transform.projection_matrix
    assert torch.equal(s, pyt), "the two packages no longer draw the same QJL matrix"
    s = s.double()
    norms = s.norm(dim=1)
    gram = s @ s.T
    angle = torch.arccos((gram / norms[:, None] / norms[None, :]).clamp(-1, 1))
    mean_abs = math.exp(math.lgamma(dim / 2) - math.lgamma((dim + 1) / 2)) / math.sqrt(math.pi)
    gain = math.sqrt(math.pi / 2) / dim * float(norms.sum()) * mean_abs
    second = math.pi / 2 / dim**2 * float((gram * (1 - 2 * angle / math.pi)).sum())
    return gain, second - 2 * gain + 1


def prod_tables(x: torch.Tensor, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Inner-product distortion and bias of TurboQuant-prod, ours and pyturboquant's."""
    dim = x.shape[1]
    y, y_half = unit_vectors(x.shape[0], dim, 1), at_cosine(x, 0.5, 2)
    true = (y * x).sum(-1)
    gain, factor = sketch_terms(dim, seed)
    distortion, bias = [], []
    for bits in PROD_BITS:
        ours_hat = TurboQuantProd(bits, dim, seed=seed).roundtrip(x)
        pq = InnerProductQuantizer(dim, bits=bits, seed=seed)
        qt = pq.quantize(x)
        pyt_hat = pyt_reconstruct(pq, qt)
        ours, pyt = (y * ours_hat).sum(-1) - true, pq.estimate_inner_product(qt, y) - true
        check = float((pq.estimate_inner_product(qt, y) - (y * pyt_hat).sum(-1)).abs().max())
        assert check < 1e-4, f"pyturboquant reconstruction off its own estimator by {check}"
        ours_half, pyt_half = ((y_half * h).sum(-1) - 0.5 for h in (ours_hat, pyt_hat))
        ours_mse = codebook(bits - 1, dim).distortion
        pyt_mse = expected_mse(get_codebook(dim, bits - 1).centroids, dim)
        distortion.append({
            "d": dim, "bits": bits, "ours": dim * float(ours.pow(2).mean()),
            "ours_expected": ours_mse * factor, "pyturboquant": dim * float(pyt.pow(2).mean()),
            "pyt_expected": pyt_mse * factor, "any S": ours_mse * (math.pi / 2 - 1 / dim),
            "paper": PAPER_PROD[bits], "ours - pyt (95%)": interval(dim * (ours**2 - pyt**2))})
        bias.append({"d": dim, "bits": bits, "ours, random y": interval(ours),
                     "pyt, random y": interval(pyt), "ours, <y,x>=0.5": interval(ours_half),
                     "pyt, <y,x>=0.5": interval(pyt_half),
                     "this S, <y,x>=0.5": (gain - 1) * 0.5 * ours_mse})
    return pd.DataFrame(distortion), pd.DataFrame(bias)


def speed_quantizer(kind: str, bits: int, dim: int, seed: int = 0):
    return (TurboQuantMSE if kind == "mse" else TurboQuantProd)(bits, dim, seed=seed)


def speed_pair(kind: str, bits: int, dim: int, seed: int):
    """(quantize, dequantize) for ours and for pyturboquant."""
    ours = speed_quantizer(kind, bits, dim, seed)
    if kind == "mse":
        pq = MSEQuantizer(dim, bits=bits, seed=seed)
        return (ours.quantize, ours.dequantize), (pq.quantize, pq.dequantize)
    pq = InnerProductQuantizer(dim, bits=bits, seed=seed)
    return (ours.quantize, ours.dequantize), (pq.quantize, lambda qt: pyt_reconstruct(pq, qt))


def nbytes(codes) -> int:
    if isinstance(codes, torch.Tensor):
        return codes.nbytes
    if isinstance(codes, dict):
        return sum(nbytes(v) for v in codes.values())
    return sum(nbytes(v) for v in vars(codes).values()
               if isinstance(v, torch.Tensor) or hasattr(v, "__dataclass_fields__"))


def speed_table(dim: int, batch: int, repeats: int, seed: int) -> pd.DataFrame:
    x = unit_vectors(batch, dim, 3)
    rows = []
    for kind, bits in SPEED:
        pairs = speed_pair(kind, bits, dim, seed)
        codes = [q(x) for q, _ in pairs]  # warm-up
        for (_, dq), c in zip(pairs, codes, strict=True):
            dq(c)
        times: dict[tuple[int, str], list[float]] = {}
        for _ in range(repeats):
            for i, (q, dq) in enumerate(pairs):
                start = time.perf_counter()
                c = q(x)
                mid = time.perf_counter()
                dq(c)
                end = time.perf_counter()
                times.setdefault((i, "q"), []).append(mid - start)
                times.setdefault((i, "dq"), []).append(end - mid)
        rate = {k: batch / statistics.median(v) for k, v in times.items()}
        rows.append({"variant": kind, "bits": bits,
                     "quantize ours": rate[0, "q"], "quantize pyt": rate[1, "q"],
                     "q ratio": rate[0, "q"] / rate[1, "q"],
                     "dequantize ours": rate[0, "dq"], "dequantize pyt": rate[1, "dq"],
                     "dq ratio": rate[0, "dq"] / rate[1, "dq"],
                     "bytes/vec ours": nbytes(codes[0]) // batch,
                     "ours if packed": math.ceil(speed_quantizer(kind, bits, dim).stored_bits / 8),
                     "bytes/vec pyt": nbytes(codes[1]) // batch})
    return pd.DataFrame(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20_000, help="unit vectors for distortion")
    ap.add_argument("--dims", default="32,128", help="head dimensions for distortion")
    ap.add_argument("--dim", type=int, default=128, help="head dimension for throughput")
    ap.add_argument("--batch", type=int, default=4096, help="vectors per timed call")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip-distortion", action="store_true")
    ap.add_argument("--skip-speed", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    pd.set_option("display.width", 200)
    if not args.skip_distortion:
        tables = []
        for dim in (int(d) for d in args.dims.split(",")):
            x = unit_vectors(args.n, dim, 0)
            tables.append((mse_table(x, args.seed), *prod_tables(x, args.seed)))
        titles = (f"TurboQuant-MSE: mean |x - x_hat|^2 over {args.n} unit vectors",
                  f"TurboQuant-prod: d x mean (<y, x_hat> - <y, x>)^2, {args.n} pairs",
                  "TurboQuant-prod bias: mean <y, x_hat> - <y, x> ± 95% interval")
        for i, title in enumerate(titles):
            print(f"\n{title}")
            print(pd.concat([t[i] for t in tables]).to_string(index=False,
                                                              float_format="{:.5f}".format))
    if not args.skip_speed:
        print(f"\nThroughput, d={args.dim}, {args.threads} thread(s): vectors/s, median of "
              f"{args.repeats} runs of {args.batch}; ratio = ours / pyturboquant")
        print(speed_table(args.dim, args.batch, args.repeats, args.seed).to_string(
            index=False, float_format=lambda v: f"{v:,.0f}" if v >= 100 else f"{v:.2f}"))
    print(f"\n{DIFFERENCES}")


if __name__ == "__main__":
    main()
