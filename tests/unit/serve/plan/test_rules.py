"""llmopt's own combination rules."""

from llmopt.serve.plan.rules import errors, problems
from llmopt.serve.plan.schemes import SCHEMES
from llmopt.serve.plan.shapes import shape_for

LLAMA_8B = shape_for("meta-llama/Llama-3.1-8B-Instruct")
BF16 = SCHEMES["bf16"]


def messages(found) -> str:
    return " | ".join(str(p) for p in found)


def test_a_good_combination_has_no_problems() -> None:
    assert problems(LLAMA_8B, BF16, 8192, tp=4, compute_capability=9.0) == []


def test_tensor_parallel_must_divide_heads() -> None:
    found = problems(LLAMA_8B, BF16, 8192, tp=3)
    assert "tensor parallel size 3 must divide the 32 attention heads" in messages(errors(found))


def test_kv_heads_and_tensor_parallel_must_divide_one_another() -> None:
    qwen = shape_for("Qwen/Qwen2.5-7B-Instruct")  # 28 heads, 4 KV heads
    assert "KV heads" in messages(problems(qwen, BF16, 4096, tp=14))
    assert problems(qwen, BF16, 4096, tp=2) == []


def test_context_beyond_positions_and_pipeline_beyond_layers() -> None:
    found = messages(problems(shape_for("demo:large"), BF16, 4096, pp=8))
    assert "max model length 4,096 is beyond demo:large's 1,024 positions" in found
    assert "pipeline parallel size 8 exceeds the 4 layers" in found


def test_gpu_capability_rules() -> None:
    fp8 = SCHEMES["fp8"]
    assert problems(LLAMA_8B, fp8, 8192, compute_capability=8.9) == []
    slow = problems(LLAMA_8B, fp8, 8192, compute_capability=8.6)
    assert [p.level for p in slow] == ["warning"] and "Marlin" in slow[0].message
    assert "needs compute capability >= 8.0" in messages(errors(
        problems(LLAMA_8B, fp8, 8192, compute_capability=7.5)))
    assert problems(LLAMA_8B, fp8, 8192) == []  # CPU / unknown GPU: GPU rules skipped


def test_schemes_that_need_a_checkpoint_or_that_vllm_cannot_serve() -> None:
    w4 = problems(LLAMA_8B, SCHEMES["w4a16"], 8192)
    assert [p.level for p in w4] == ["warning"] and "AWQ or GPTQ" in w4[0].message
    nf4 = errors(problems(LLAMA_8B, SCHEMES["nf4"], 8192))
    assert "no bitsandbytes quantization method" in messages(nf4)
    awq = LLAMA_8B.model_copy(update={"quantization_method": "awq"})
    assert problems(awq, SCHEMES["w4a16"], 8192) == []
    assert "already quantized (awq)" in messages(problems(awq, BF16, 8192))


def test_unreadable_cpu_flags_give_a_warning(monkeypatch) -> None:
    from llmopt.serve.plan import rules

    monkeypatch.setattr(rules, "cpu_flags", lambda: None)
    found = rules.cpu_problems(shape_for("demo:large"), "fp8_e4m3")
    assert [p.level for p in found] == ["warning"] and "cannot read" in found[0].message


def test_fp8_kv_on_the_cpu_build_needs_avx512_or_amx(tmp_path) -> None:
    from llmopt.serve.plan.rules import cpu_flags, cpu_problems

    demo = shape_for("demo:large")  # head dim 32
    assert cpu_problems(demo, "auto", flags=set()) == []
    assert cpu_problems(demo, "fp8", flags={"avx2", "avx512f"}) == []
    assert cpu_problems(demo, "fp8", flags={"amx_tile"}) == []
    found = messages(errors(cpu_problems(demo, "fp8", flags={"sse4_2", "avx", "avx2"})))
    assert "AVX-512 or AMX; this CPU has neither (it has avx, avx2, sse4_2)" in found
    odd = demo.model_copy(update={"head_dim": 48})
    assert "head dim divisible by 32" in messages(cpu_problems(odd, "fp8", flags={"avx512f"}))
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nflags\t\t: fpu sse4_2 avx2\n")
    assert cpu_flags(info) == {"fpu", "sse4_2", "avx2"}
    assert cpu_flags(tmp_path / "none") is None
