import pytest

from llmopt.errors import ConfigError
from llmopt.quantize import (
    AwqW4A16,
    BnbInt8,
    BnbNf4,
    Fp8Dynamic,
    GptqW4A16,
    W8A8Int8,
    check_servable,
    target_for,
    unsupported_reason,
)


@pytest.mark.parametrize("recipe", [AwqW4A16(), GptqW4A16(), W8A8Int8()], ids=lambda r: r.scheme)
@pytest.mark.parametrize("target", ["vllm-cpu", "vllm-cuda"])
def test_llm_compressor_integer_schemes_run_on_both_builds(recipe, target):
    check_servable(recipe, target)
    assert unsupported_reason(recipe, target) is None


@pytest.mark.parametrize("target", ["vllm-cpu", "vllm-cuda", "transformers"])
def test_fp8_runs_everywhere_though_it_pays_only_on_gpus(target):
    check_servable(Fp8Dynamic(), target)  # vLLM 0.32 CPU: a torch fallback kernel


def test_a_scheme_the_server_cannot_run_is_refused_with_the_reason_and_the_alternatives():
    with pytest.raises(ConfigError) as error:
        check_servable(BnbInt8(), "vllm-cpu")
    message = str(error.value)
    assert message.startswith("bnb_int8 cannot run on vllm-cpu: bitsandbytes quantizes in-process")
    assert message.endswith("Schemes vllm-cpu runs: awq_w4a16, gptq_w4a16, w8a8_int8, fp8_dynamic")


@pytest.mark.parametrize("target", ["vllm-cpu", "vllm-cuda"])
def test_bitsandbytes_is_not_served_by_vllm(target):
    with pytest.raises(ConfigError, match="vLLM 0.32 has no bitsandbytes method"):
        check_servable(BnbNf4(), target)
    check_servable(BnbNf4(), "transformers")


def test_unknown_target_lists_the_valid_ones():
    with pytest.raises(ConfigError, match="unknown target 'tpu'; valid: vllm-cpu, vllm-cuda, "
                                          "transformers"):
        check_servable(AwqW4A16(), "tpu")


def test_profiles_map_to_targets():
    assert target_for("demo") == "vllm-cpu" and target_for("gpu") == "vllm-cuda"
    with pytest.raises(ConfigError, match="unknown profile 'edge'; valid: demo, gpu"):
        target_for("edge")
