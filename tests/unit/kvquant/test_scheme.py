import pytest

from llmopt.errors import ConfigError
from llmopt.kvquant import BF16, KVScheme, QuantizerSpec, kivi, turboquant, vllm
from llmopt.kvquant.capacity import bytes_per_token
from llmopt.serve.plan import kv_bytes_per_token as planner_bytes
from llmopt.serve.plan import shape_for
from llmopt.serve.plan.schemes import TURBOQUANT

LLAMA_8B = shape_for("meta-llama/Llama-3.1-8B-Instruct")


@pytest.mark.parametrize("dtype", TURBOQUANT)
def test_vllm_presets_take_the_bytes_vllm_allocates(dtype):
    # the planner carries vLLM's slot sizes (TurboQuantConfig.slot_size_aligned): the same bytes,
    # counted from the quantizers' stored bits instead
    assert bytes_per_token(vllm(dtype), LLAMA_8B) == planner_bytes(LLAMA_8B, dtype)


def test_the_unquantized_scheme_takes_the_models_dtype():
    assert bytes_per_token(BF16, LLAMA_8B) == planner_bytes(LLAMA_8B, "auto") == \
        32 * 8 * 128 * 2 * 2


def test_kept_layers_never_exceed_half_on_each_side():
    assert vllm("turboquant_k8v4").kept_layers(32) == {0, 1, 30, 31}
    assert vllm("turboquant_k8v4").kept_layers(4) == {0, 1, 2, 3}
    assert turboquant(3, boundary=1).kept_layers(4) == {0, 3}
    assert turboquant(3).kept_layers(4) == set() and BF16.kept_layers(4) == {0, 1, 2, 3}


def test_schemes_build_what_they_name():
    assert type(turboquant(3, qjl=True).key.build(32)).__name__ == "TurboQuantProd"
    assert type(turboquant(2.5).key.build(32)).__name__ == "ChannelSplit"
    assert turboquant(2.5).bits_per_value(32) == (2.5 + 1.0, 2.5 + 1.0)  # two fp16 norms
    key = vllm("turboquant_k3v4_nc").key
    assert (key.rotation, key.law, key.norm_correction) == ("hadamard", "gaussian", True)
    assert vllm("turboquant_k8v4").key.kind == "fp8"
    assert kivi(2).key.axis == "channel" and kivi(2).value.axis == "token"
    assert turboquant(3, norm_correction=True).name == "turboquant 3-bit +NC"


def test_bad_schemes_are_named():
    with pytest.raises(ConfigError, match="unknown vLLM TurboQuant KV dtype 'turboquant_2bit'; "
                                          "valid: turboquant_3bit_nc"):
        vllm("turboquant_2bit")
    with pytest.raises(ConfigError, match="fractional bits"):
        QuantizerSpec(kind="uniform", bits=2.5).build(32)
    with pytest.raises(ConfigError, match="odd 33"):
        QuantizerSpec(kind="mse", bits=2.5).build(33)
    with pytest.raises(ValueError, match="less than or equal to 8"):
        QuantizerSpec(kind="mse", bits=9)
    with pytest.raises(ValueError, match="extra"):
        KVScheme(name="x", keys=None)
