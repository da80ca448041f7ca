"""Memory arithmetic, checked by hand and against what vLLM's CPU build logged."""

import pytest

from llmopt.errors import ConfigError
from llmopt.serve.plan.memory import (
    GIB,
    RUNTIME_GIB,
    Batch,
    cpu_kv_tokens,
    default_batched_tokens,
    gpu_memory,
    kv_bytes_per_token,
    weight_bytes,
)
from llmopt.serve.plan.schemes import SCHEMES
from llmopt.serve.plan.shapes import ModelShape, shape_for

LLAMA_8B = shape_for("meta-llama/Llama-3.1-8B-Instruct")


def tiny(**sizes: int) -> ModelShape:
    base = {"name": "t", "source": "test", "num_layers": 4, "hidden_size": 128,
            "intermediate_size": 512, "num_attention_heads": 4, "num_kv_heads": 2,
            "head_dim": 32, "vocab_size": 1024, "max_position_embeddings": 1024}
    return ModelShape(**(base | sizes))


def test_kv_per_token_is_layers_heads_dim_two_bytes() -> None:
    assert kv_bytes_per_token(tiny()) == 4 * 2 * 32 * 2 * 2 == 1024
    assert kv_bytes_per_token(tiny(), "fp8") == 512
    assert kv_bytes_per_token(LLAMA_8B) == 128 * 1024  # the well-known 128 KiB per token


def test_turboquant_packs_every_layer_but_the_boundary_ones() -> None:
    # vLLM 0.32's TurboQuantConfig.slot_size_aligned: 196 bytes (k8v4) and 102 (3-bit) per head
    # at head dim 128; layers 0, 1, 30 and 31 of a 32-layer model stay in bf16
    full = 4 * 8 * 128 * 2 * 2
    assert kv_bytes_per_token(LLAMA_8B, "turboquant_k8v4") == full + 28 * 8 * 196
    assert kv_bytes_per_token(LLAMA_8B, "turboquant_3bit_nc") == full + 28 * 8 * 102
    assert 128 * 1024 / kv_bytes_per_token(LLAMA_8B, "turboquant_k8v4") == pytest.approx(2.17,
                                                                                      abs=0.01)


def test_turboquant_changes_nothing_on_a_model_of_four_layers() -> None:
    # the demo models: every layer is a boundary layer (vLLM's CPU build logged the same
    # 1,048,576 tokens for demo large with auto and turboquant_k8v4)
    assert kv_bytes_per_token(tiny(), "turboquant_k8v4") == kv_bytes_per_token(tiny())
    assert cpu_kv_tokens(tiny(), "turboquant_k8v4", 1) == cpu_kv_tokens(tiny(), "auto", 1)
    assert kv_bytes_per_token(tiny(num_layers=6), "turboquant_k8v4") == \
        4 * 2 * 32 * 2 * 2 + 2 * 2 * 52


def test_tensor_parallel_splits_kv_heads_and_replicates_past_them() -> None:
    assert kv_bytes_per_token(LLAMA_8B, tp=2) == 64 * 1024
    assert kv_bytes_per_token(LLAMA_8B, tp=16) == kv_bytes_per_token(LLAMA_8B, tp=8)
    assert kv_bytes_per_token(LLAMA_8B, pp=3) == 11 * 8 * 128 * 2 * 2  # ceil(32 / 3) layers
    with pytest.raises(ConfigError, match="must be >= 1"):
        kv_bytes_per_token(LLAMA_8B, tp=0)


@pytest.mark.parametrize(("sizes", "kv", "logged"), [
    ({}, "auto", 1_048_576),                   # demo large, bf16 KV (server log)
    ({}, "fp8", 2_097_152),                    # demo large, fp8 KV
    ({"head_dim": 64}, "auto", 524_288),       # FACTS.md: 4 layers, 2 KV heads, head_dim 64
    ({"head_dim": 64}, "fp8", 1_048_576),      # FACTS.md: fp8 doubled it
])
def test_cpu_capacity_is_what_vllm_logged(sizes: dict, kv: str, logged: int) -> None:
    assert cpu_kv_tokens(tiny(**sizes), kv, kv_space_gib=1) == logged


def test_cpu_capacity_is_whole_128_token_blocks() -> None:
    odd = tiny(num_layers=3)  # 768 bytes per token: 1 GiB holds 1,398,101.3 tokens
    assert cpu_kv_tokens(odd, "auto", 1) == 1_398_016 == 10_922 * 128


def test_weights_quantize_only_the_projections() -> None:
    shape = LLAMA_8B
    assert weight_bytes(shape, SCHEMES["bf16"]) == 2 * shape.parameters
    rest = 2 * (shape.embedding_parameters + shape.other_parameters)
    assert weight_bytes(shape, SCHEMES["fp8"]) == shape.linear_parameters + rest
    assert 14.9 < weight_bytes(shape, SCHEMES["bf16"]) / GIB < 15.0


def test_gpu_budget_by_hand() -> None:
    shape = tiny(intermediate_size=1024, vocab_size=1000)
    memory = gpu_memory(shape, SCHEMES["bf16"], "auto", total_gib=10, utilization=0.5,
                        batch=Batch(max_num_seqs=4, batched_tokens=1024))
    activation = (1024 * (2 * 1024 + 4 * 128) * 2 + 4 * 1000 * 8) / GIB
    weights = 2 * shape.parameters / GIB
    assert memory.budget_gib == 5 and memory.runtime_gib == RUNTIME_GIB
    assert memory.activation_gib == pytest.approx(activation)
    assert memory.weights_gib == pytest.approx(weights)
    kv = 5 - weights - activation - RUNTIME_GIB
    assert memory.kv_gib == pytest.approx(kv)
    assert memory.kv_tokens == int(kv * GIB / 1024) // 16 * 16


def test_no_room_means_zero_tokens() -> None:
    memory = gpu_memory(LLAMA_8B, SCHEMES["bf16"], "auto", total_gib=16, utilization=0.9)
    assert memory.kv_gib < 0 and memory.kv_tokens == 0
    with pytest.raises(ConfigError, match=r"gpu_memory_utilization must be in \(0, 1\]"):
        gpu_memory(LLAMA_8B, SCHEMES["bf16"], "auto", total_gib=80, utilization=1.2)


def test_default_batched_tokens_follow_vllm() -> None:
    assert default_batched_tokens(180, "B200") == 16384
    assert default_batched_tokens(79.2, "H100-80GB-SXM") == 8192
    assert default_batched_tokens(79.1, "A100-80GB") == 2048
    assert default_batched_tokens(22, "L4-24GB") == 2048
