"""The rotations applied before quantizing: a random one (the paper's) or a Hadamard matrix
(vLLM's: fast, but only for power-of-two head dimensions)."""

from __future__ import annotations

from typing import Literal

import torch

from llmopt.errors import ConfigError
from llmopt.kvquant.codebook import check_dim

Rotation = Literal["random", "hadamard"]
ROTATIONS: tuple[Rotation, ...] = ("random", "hadamard")


def rotation(kind: Rotation, dim: int, seed: int = 0) -> torch.Tensor:
    """An orthogonal dim x dim matrix R (float32): rotate a row vector x as x @ R.T."""
    if kind == "random":
        return random_rotation(dim, seed)
    if kind == "hadamard":
        return hadamard(dim)
    raise ConfigError(f"rotation must be one of {', '.join(ROTATIONS)}, got {kind!r}")


def random_rotation(dim: int, seed: int = 0) -> torch.Tensor:
    """A uniformly random rotation (Haar measure): the QR factor of a Gaussian matrix with its
    column signs fixed by R's diagonal, from a seeded generator."""
    dim = check_dim(dim)
    gaussian = torch.randn(dim, dim, generator=torch.Generator().manual_seed(seed),
                           dtype=torch.float64)
    q, r = torch.linalg.qr(gaussian)
    return (q * torch.sign(torch.diagonal(r))).to(torch.float32)


def hadamard(dim: int) -> torch.Tensor:
    """The orthonormal Sylvester-Hadamard matrix; only for powers of two."""
    dim = check_dim(dim)
    if dim & (dim - 1):
        raise ConfigError(f"a Hadamard rotation needs a power-of-two head dimension, got {dim}; "
                          "use rotation='random' (any dimension)")
    h = torch.ones(1, 1, dtype=torch.float64)
    while h.shape[0] < dim:
        h = torch.cat([torch.cat([h, h], 1), torch.cat([h, -h], 1)])
    return (h / dim**0.5).to(torch.float32)
