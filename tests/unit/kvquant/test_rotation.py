import pytest
import torch

from llmopt.errors import ConfigError
from llmopt.kvquant import hadamard, random_rotation
from llmopt.kvquant.rotation import rotation


@pytest.mark.parametrize("dim", [2, 3, 32, 96, 128])
def test_a_random_rotation_is_orthogonal_and_seeded(dim):
    r = random_rotation(dim, seed=3)
    torch.testing.assert_close(r @ r.T, torch.eye(dim), atol=1e-5, rtol=0)
    assert torch.equal(r, random_rotation(dim, seed=3))
    assert not torch.equal(r, random_rotation(dim, seed=4))


@pytest.mark.parametrize("dim", [2, 32, 128])
def test_hadamard_is_orthonormal_and_symmetric(dim):
    h = hadamard(dim)
    torch.testing.assert_close(h @ h.T, torch.eye(dim), atol=1e-6, rtol=0)
    torch.testing.assert_close(h, h.T)
    assert torch.all(h.abs() == h[0, 0].abs())


def test_a_head_dimension_hadamard_cannot_take_is_refused_with_the_way_out():
    with pytest.raises(ConfigError, match="power-of-two head dimension, got 96; use "
                                          "rotation='random'"):
        hadamard(96)
    with pytest.raises(ConfigError, match="rotation must be one of random, hadamard"):
        rotation("givens", 32)
    with pytest.raises(ConfigError, match="head dimension"):
        random_rotation(0)
