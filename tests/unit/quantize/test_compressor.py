"""Everything `quantize` refuses, it refuses before loading a weight (fast, no torch needed)."""

import sys

import pytest

from llmopt.errors import ConfigError
from llmopt.quantize import (
    AwqW4A16,
    BnbInt8,
    BnbNf4,
    Calibration,
    Fp8Dynamic,
    GptqW4A16,
    quantize,
)

LLAMA = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 96,
         "intermediate_size": 256}


def test_missing_calibration_data(demo_model, tmp_path):
    with pytest.raises(ConfigError, match="awq_w4a16 reads activations from calibration data and "
                                          "none was given"):
        quantize(demo_model, AwqW4A16(), tmp_path / "out")


def test_missing_calibration_file(demo_model, tmp_path):
    calibration = Calibration(workload=str(tmp_path / "missing.jsonl"))
    with pytest.raises(ConfigError, match="missing.jsonl' does not exist"):
        quantize(demo_model, "gptq_w4a16", tmp_path / "out", calibration)


def test_scheme_the_target_cannot_serve(demo_model, tmp_path):
    with pytest.raises(ConfigError, match="bnb_nf4 cannot run on vllm-cuda"):
        quantize(demo_model, BnbNf4(), tmp_path / "out", target="vllm-cuda")
    assert not (tmp_path / "out").exists()


def test_unknown_scheme(demo_model, tmp_path):
    with pytest.raises(ConfigError, match="unknown quantization scheme 'q4_k_m'; valid: awq_w4a16"):
        quantize(demo_model, "q4_k_m", tmp_path / "out")


def test_bitsandbytes_writes_no_artifact(demo_model, tmp_path):
    with pytest.raises(ConfigError, match="evaluate it with llmopt.quantize.bnb.evaluate"):
        quantize(demo_model, BnbInt8(), tmp_path / "out")


def test_not_a_causal_lm(folder_with, tmp_path):
    folder = folder_with({"architectures": ["T5EncoderModel"]})
    with pytest.raises(ConfigError, match="holds T5EncoderModel, not a causal LM"):
        quantize(folder, Fp8Dynamic(), tmp_path / "out")


def test_group_size_that_does_not_divide_the_layers(folder_with, tmp_path):
    folder = folder_with(LLAMA)
    with pytest.raises(ConfigError, match=r"group_size 64 does not divide the model's layer widths "
                                          r"\{'hidden_size': 96\}"):
        quantize(folder, GptqW4A16(group_size=64), tmp_path / "out", Calibration())


def test_output_folder_in_use(demo_model, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(ConfigError, match="exists and is not empty"):
        quantize(demo_model, Fp8Dynamic(), out)
    assert (out / "keep.txt").read_text() == "mine"


def test_refusals_import_no_heavy_library(demo_model, tmp_path):
    heavy = {"llmcompressor", "vllm"}
    before = heavy & set(sys.modules)
    with pytest.raises(ConfigError):
        quantize(demo_model, AwqW4A16(), tmp_path / "out")
    assert heavy & set(sys.modules) == before
