import pytest
import torch

from llmopt.errors import ConfigError
from llmopt.kvquant import codebook

GAUSSIAN_LLOYD_MAX = {1: 0.3634, 2: 0.1175, 3: 0.03454, 4: 0.009497}
"""The optimal scalar quantizer's mean squared error for N(0, 1) (Max, 1960): what d x the
per-coordinate error of a rotated unit vector tends to at large d."""


@pytest.mark.parametrize("bits", [1, 2, 3, 4, 8])
@pytest.mark.parametrize("law", ["sphere", "gaussian"])
def test_levels_are_sorted_symmetric_and_split_at_midpoints(bits, law):
    book = codebook(bits, 32, law)
    assert book.levels.shape == (2**bits,) and book.boundaries.shape == (2**bits - 1,)
    assert torch.all(book.levels[1:] > book.levels[:-1])
    torch.testing.assert_close(book.levels, -book.levels.flip(0), atol=1e-7, rtol=0)
    torch.testing.assert_close(book.boundaries, (book.levels[1:] + book.levels[:-1]) / 2)


@pytest.mark.parametrize("bits", [1, 2, 3, 4])
def test_distortion_at_large_dimension_is_the_gaussian_lloyd_max_error(bits):
    assert codebook(bits, 4096).distortion == pytest.approx(GAUSSIAN_LLOYD_MAX[bits], rel=0.01)
    assert codebook(bits, 4096, "gaussian").distortion == pytest.approx(GAUSSIAN_LLOYD_MAX[bits],
                                                                       rel=0.001)


def test_the_exact_law_is_kinder_than_the_gaussian_at_small_dimension():
    for bits in (1, 2, 3, 4):
        assert codebook(bits, 32).distortion < codebook(bits, 32, "gaussian").distortion


@pytest.mark.parametrize("bits", [0, 9, 2.5, True, "3"])
def test_bits_outside_one_to_eight_are_refused_by_name(bits):
    with pytest.raises(ConfigError, match=f"bits must be a whole number from 1 to 8, got {bits!r}"):
        codebook(bits, 32)


def test_bad_dimension_and_law_are_named():
    with pytest.raises(ConfigError, match="head dimension must be a whole number >= 2, got 1"):
        codebook(2, 1)
    with pytest.raises(ConfigError, match="law must be one of sphere, gaussian, got 'laplace'"):
        codebook(2, 32, "laplace")
