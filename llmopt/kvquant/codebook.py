"""Lloyd-Max codebooks for one coordinate of a randomly rotated vector.

Rotate a unit vector of dimension d by a uniformly random rotation and each coordinate follows
the same known law: x with (x + 1) / 2 ~ Beta((d - 1) / 2, (d - 1) / 2), mean 0, variance 1 / d,
close to N(0, 1 / d) for large d. TurboQuant quantizes every coordinate with the optimal scalar
quantizer for that law (Lloyd-Max: each level the mean of its cell, each boundary the midpoint
of two levels), so no calibration data is needed. vLLM's variant uses the Gaussian law instead
(`law="gaussian"`); the two differ at small head dimensions.

The expected squared error of a unit vector, d x (E[x^2] - sum of P(cell) x level^2), is the
distortion the paper tabulates (about 0.36, 0.117, 0.03, 0.009 for 1-4 bits at large d).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
import torch
from scipy import stats

from llmopt.errors import ConfigError

Law = Literal["sphere", "gaussian"]
LAWS: tuple[Law, ...] = ("sphere", "gaussian")
MAX_BITS = 8
TOLERANCE = 1e-12
MAX_ITERATIONS = 5000


@dataclass(frozen=True)
class Codebook:
    """2^bits sorted levels, the 2^bits - 1 boundaries between them, and the expected squared
    error of a unit vector quantized coordinate by coordinate with them."""

    bits: int
    dim: int
    law: Law
    levels: torch.Tensor
    boundaries: torch.Tensor
    distortion: float


def check_bits(bits: int, low: int = 1, high: int = MAX_BITS) -> int:
    """`bits` as an int in [low, high]; ConfigError naming it otherwise."""
    if isinstance(bits, bool) or not isinstance(bits, int | np.integer) or not low <= bits <= high:
        raise ConfigError(f"bits must be a whole number from {low} to {high}, got {bits!r}")
    return int(bits)


def check_dim(dim: int) -> int:
    if isinstance(dim, bool) or not isinstance(dim, int | np.integer) or dim < 2:
        raise ConfigError(f"the head dimension must be a whole number >= 2, got {dim!r}")
    return int(dim)


def codebook(bits: int, dim: int, law: Law = "sphere") -> Codebook:
    """The Lloyd-Max codebook of `bits` for a coordinate of a rotated unit vector in `dim`
    dimensions (cached: solving takes milliseconds, but every layer asks)."""
    if law not in LAWS:
        raise ConfigError(f"law must be one of {', '.join(LAWS)}, got {law!r}")
    return _solve(check_bits(bits), check_dim(dim), law)


@lru_cache(maxsize=64)
def _solve(bits: int, dim: int, law: Law) -> Codebook:
    mass, first_moment = _law(dim, law)
    sigma = 1 / math.sqrt(dim)
    n = 2**bits
    levels = np.linspace(-2.5 * sigma, 2.5 * sigma, n) if n > 1 else np.zeros(1)
    for _ in range(MAX_ITERATIONS):
        edges = np.concatenate([[-np.inf], (levels[1:] + levels[:-1]) / 2, [np.inf]])
        p = np.diff(mass(edges))
        new = np.diff(first_moment(edges)) / np.maximum(p, 1e-300)
        done = np.max(np.abs(new - levels)) < TOLERANCE * sigma
        levels = new
        if done:
            break
    edges = np.concatenate([[-np.inf], (levels[1:] + levels[:-1]) / 2, [np.inf]])
    p = np.diff(mass(edges))
    distortion = dim * (1 / dim - float(np.sum(p * levels**2)))
    return Codebook(bits=bits, dim=dim, law=law,
                    levels=torch.tensor(levels, dtype=torch.float32),
                    boundaries=torch.tensor(edges[1:-1], dtype=torch.float32),
                    distortion=distortion)


def _law(dim: int, law: Law):
    """The coordinate law's cumulative mass and cumulative first moment, as functions of x."""
    if law == "gaussian":
        sigma = 1 / math.sqrt(dim)
        normal = stats.norm(scale=sigma)
        return normal.cdf, lambda x: -sigma**2 * normal.pdf(x)
    a = (dim - 1) / 2  # x = 2t - 1 with t ~ Beta(a, a); E[t; t < u] = F_{a+1,a}(u) / 2
    beta, shifted = stats.beta(a, a), stats.beta(a + 1, a)

    def t(x):
        return np.clip((np.asarray(x) + 1) / 2, 0, 1)

    return (lambda x: beta.cdf(t(x)),
            lambda x: shifted.cdf(t(x)) - beta.cdf(t(x)))
