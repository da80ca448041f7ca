import pytest

from llmopt.errors import ConfigError
from llmopt.quantize import AwqW4A16, BnbInt8, BnbNf4, Fp8Dynamic, GptqW4A16, W8A8Int8
from llmopt.quantize.target import check_servable, cpu_isa, target_for, unsupported_reason


@pytest.mark.parametrize("recipe", [AwqW4A16(), GptqW4A16(), W8A8Int8()], ids=lambda r: r.scheme)
def test_llm_compressor_integer_schemes_run_on_gpus_and_avx512_cpus(recipe):
    check_servable(recipe, "vllm-cuda")
    check_servable(recipe, "vllm-cpu", isa="avx512")
    assert unsupported_reason(recipe, "vllm-cpu", isa="avx512") is None


@pytest.mark.parametrize("recipe", [AwqW4A16(), GptqW4A16()], ids=lambda r: r.scheme)
def test_w4a16_is_refused_on_avx2_cpus_with_the_servers_own_error(recipe):
    with pytest.raises(ConfigError) as error:
        check_servable(recipe, "vllm-cpu", isa="avx2")
    message = str(error.value)
    assert message.startswith(f"{recipe.scheme} cannot run on vllm-cpu (avx2): ")
    assert "no attribute 'cpu_gemm_wna16'" in message
    assert message.endswith("Schemes vllm-cpu (avx2) runs: w8a8_int8, fp8_dynamic, sparse_2of4")
    check_servable(W8A8Int8(), "vllm-cpu", isa="avx2")


def test_cpu_isa_from_cpuinfo_flags():
    flags = "fpu sse2 avx avx2 fma"
    assert cpu_isa(f"processor\t: 0\nflags\t\t: {flags}\n") == "avx2"
    avx512 = f"{flags} avx512f avx512dq avx512bw avx512vl"
    assert cpu_isa(f"flags\t\t: {avx512}\n") == "avx512"
    assert cpu_isa(f"flags\t\t: {flags} avx512f\n") == "avx2", "vLLM needs the whole set"
    assert cpu_isa("Features: fp asimd\n") == "other"
    assert cpu_isa() in ("avx512", "avx2", "other")


def test_unknown_isa():
    with pytest.raises(ConfigError, match="unknown isa 'sse4'; valid: avx512, avx2, other"):
        unsupported_reason(W8A8Int8(), "vllm-cpu", isa="sse4")


@pytest.mark.parametrize("target", ["vllm-cpu", "vllm-cuda", "transformers"])
def test_fp8_runs_everywhere_though_it_pays_only_on_gpus(target):
    check_servable(Fp8Dynamic(), target)  # vLLM 0.32 CPU: a torch fallback kernel


def test_a_scheme_the_server_cannot_run_is_refused_with_the_reason_and_the_alternatives():
    with pytest.raises(ConfigError) as error:
        check_servable(BnbInt8(), "vllm-cuda")
    message = str(error.value)
    assert message.startswith("bnb_int8 cannot run on vllm-cuda: bitsandbytes quantizes in-process")
    assert message.endswith("Schemes vllm-cuda runs: awq_w4a16, gptq_w4a16, w8a8_int8, "
                            "fp8_dynamic, sparse_2of4")


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
