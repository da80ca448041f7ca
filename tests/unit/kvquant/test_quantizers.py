import math

import pytest
import torch

from llmopt.errors import ConfigError
from llmopt.kvquant import (
    ChannelSplit,
    Fp8Quantizer,
    TurboQuantMSE,
    TurboQuantProd,
    UniformQuantizer,
    codebook,
)
from llmopt.kvquant.distortion import relative_error, unit_vectors

QUANTIZERS = {"mse": lambda: TurboQuantMSE(3, 32), "mse-hadamard-nc": lambda: TurboQuantMSE(
    3, 32, rotation_kind="hadamard", law="gaussian", norm_correction=True),
    "prod": lambda: TurboQuantProd(3, 32), "prod-1bit": lambda: TurboQuantProd(1, 32),
    "uniform-token": lambda: UniformQuantizer(4, 32),
    "uniform-channel": lambda: UniformQuantizer(2, 32, axis="channel", group=4),
    "fp8": lambda: Fp8Quantizer(32),
    "split": lambda: ChannelSplit(TurboQuantMSE(4, 16), TurboQuantMSE(3, 16, seed=7))}
LOOSE = {"prod": 0.3, "prod-1bit": 2.0, "uniform-channel": 0.3}
"""Relative squared error bounds well above each quantizer's expected one (QJL trades error for
an unbiased inner product); 0.1 for the rest."""


@pytest.mark.parametrize("name", QUANTIZERS)
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_round_trip_keeps_shape_and_dtype_and_stays_close(name, dtype):
    x = torch.randn(2, 3, 9, 32).to(dtype)  # batch, heads, tokens, head_dim
    back = QUANTIZERS[name]().roundtrip(x)
    assert back.shape == x.shape and back.dtype == dtype
    assert relative_error(QUANTIZERS[name](), x.float()) < LOOSE.get(name, 0.1)


@pytest.mark.parametrize("bits", [1, 2, 3, 4])
def test_mse_distortion_of_unit_vectors_is_the_codebooks(bits):
    x = unit_vectors(8000, 64, seed=1)
    measured = relative_error(TurboQuantMSE(bits, 64), x)
    assert measured == pytest.approx(codebook(bits, 64).distortion, rel=0.05)


def test_mse_codes_are_one_byte_per_coordinate_and_an_fp16_norm():
    codes = TurboQuantMSE(2, 32).quantize(torch.randn(5, 32))
    assert codes["index"].dtype == torch.uint8 and int(codes["index"].max()) <= 3
    assert codes["norm"].dtype == torch.float16 and codes["norm"].shape == (5, 1)
    assert TurboQuantMSE(2, 32).stored_bits == 2 * 32 + 16


def test_norm_correction_gives_back_the_stored_length():
    x = torch.randn(100, 32) * 7
    back = TurboQuantMSE(2, 32, norm_correction=True).roundtrip(x)
    torch.testing.assert_close(back.norm(dim=-1), x.norm(dim=-1), rtol=1e-3, atol=0)
    plain = TurboQuantMSE(2, 32).roundtrip(x).norm(dim=-1) / x.norm(dim=-1)
    assert plain.std() > 0.01  # without it the length is off by a random few percent


@pytest.mark.parametrize("bits", [1, 2, 3])
def test_prod_estimates_inner_products_without_bias_and_mse_does_not(bits):
    # one pair with <x, y> = 0.5, quantized with 600 independent sketches and rotations
    x = unit_vectors(1, 32, seed=0)[0]
    other = unit_vectors(1, 32, seed=1)[0]
    other = other - (other @ x) * x
    y = 0.5 * x + math.sqrt(0.75) * other / other.norm()
    seeds = range(600)
    prod = torch.stack([TurboQuantProd(bits, 32, seed=s).roundtrip(x[None])[0] @ y for s in seeds])
    half = 4 * float(prod.std()) / math.sqrt(len(prod))
    assert abs(float(prod.mean()) - 0.5) < half
    mse = torch.stack([TurboQuantMSE(bits, 32, seed=s).roundtrip(x[None])[0] @ y for s in seeds])
    assert float(mse.mean()) < 0.5 - 4 * float(mse.std()) / math.sqrt(len(mse))


def test_uniform_per_channel_keeps_the_tokens_after_the_last_whole_group_exact():
    x = torch.randn(1, 2, 10, 32)
    back = UniformQuantizer(2, 32, axis="channel", group=4).roundtrip(x)
    assert torch.equal(back[..., 8:, :], x[..., 8:, :])
    assert not torch.equal(back[..., :8, :], x[..., :8, :])
    assert UniformQuantizer(2, 32, axis="channel", group=4).stored_bits == 2 * 32 + 32 * 32 / 4


def test_uniform_hits_the_extremes_of_each_vector_exactly_at_fp16_precision():
    x = torch.randn(50, 32)
    back = UniformQuantizer(8, 32).roundtrip(x)
    assert float((back - x).abs().max()) < float((x.amax(-1) - x.amin(-1)).max()) / 255
    torch.testing.assert_close(back.amin(-1), x.amin(-1), atol=2e-3, rtol=0)


def test_channel_split_puts_the_loud_channels_in_the_wide_half():
    sample = torch.randn(200, 32)
    sample[:, [3, 9, 30]] *= 20
    split = ChannelSplit(TurboQuantMSE(4, 16), TurboQuantMSE(3, 16)).fit(sample)
    assert {3, 9, 30} <= set(split.outliers.tolist())
    assert sorted(split.outliers.tolist() + split.rest.tolist()) == list(range(32))
    assert split.bits_per_value == pytest.approx(3.5 + 2 * 16 / 32)


def test_wrong_width_and_bad_settings_are_named():
    with pytest.raises(ConfigError, match=r"takes floating vectors of 32 values on the last "
                                          r"axis, got torch.float32 \(4, 16\)"):
        TurboQuantMSE(2, 32).roundtrip(torch.randn(4, 16))
    with pytest.raises(ConfigError, match="axis must be 'token' or 'channel'"):
        UniformQuantizer(2, 32, axis="head")
    with pytest.raises(ConfigError, match="bits must be a whole number from 1 to 8, got 0"):
        TurboQuantProd(0, 32)
    with pytest.raises(ConfigError, match="the sample has 8 channels, the split 32"):
        ChannelSplit(TurboQuantMSE(4, 16), TurboQuantMSE(3, 16)).fit(torch.randn(3, 8))
