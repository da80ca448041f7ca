"""The planner: candidates, recommendation, verdicts, flags, CPU capacity."""

from datetime import date

import pytest
from pydantic import ValidationError

from llmopt.errors import ConfigError
from llmopt.pricing import Gpu, GpuCatalog, cost_per_million_tokens
from llmopt.serve.plan import PlanRequest, capacity_table, cpu_capacity, plan

LLAMA = "meta-llama/Llama-3.1-8B-Instruct"


def gpu(name: str, memory: float, usd: float, cc: float = 9.0) -> Gpu:
    return Gpu(name=name, memory_gib=memory, on_demand_usd_per_hour=usd, as_of=date(2026, 1, 1),
               source="test", compute_capability=cc)


CATALOG = GpuCatalog(gpus=[gpu("BIG", 80, 3.0), gpu("MID", 48, 1.0), gpu("SMALL", 24, 0.5),
                           gpu("OLD", 24, 0.4, cc=7.5)])


def request(**fields) -> PlanRequest:
    return PlanRequest(**({"model": LLAMA, "context_tokens": 8192, "concurrency": 32} | fields))


def test_recommends_the_cheapest_servable_fit_per_hour() -> None:
    result = plan(request(), CATALOG)
    best = result.recommended
    assert best is not None and result.fits
    fitting = [c for c in result.candidates if c.fits and c.servable]
    assert best.usd_per_hour == min(c.usd_per_hour for c in fitting)
    assert (best.gpu, best.gpus) == ("OLD", 4)  # $1.60/h; MID needs 2 ($2), SMALL 4 ($2)
    assert best.memory.kv_tokens >= 8192 * 32 and best.max_concurrency >= 32
    assert best.headroom == pytest.approx(best.memory.kv_tokens / (8192 * 32) - 1)
    assert result.verdict.startswith("fits: 32 x 8,192 tokens") and "4 x OLD" in result.verdict


def test_fewer_gpus_are_tried_first_and_more_fit() -> None:
    small = [c for c in plan(request(), CATALOG).candidates if c.gpu == "SMALL"]
    assert [c.gpus for c in small] == [1, 2, 4, 8]
    assert [c.fits for c in small] == [False, False, True, True]
    assert [c.memory.kv_tokens for c in small] == sorted(c.memory.kv_tokens for c in small)


def test_throughput_prices_each_candidate_and_picks_by_dollars_per_million() -> None:
    result = plan(request(tokens_per_s={"BIG": 20_000, "MID": 2_000}), CATALOG)
    big = next(c for c in result.candidates if c.gpu == "BIG" and c.gpus == 1)
    assert big.usd_per_million == pytest.approx(cost_per_million_tokens(20_000, 3.0))
    assert result.recommended.gpu == "BIG"
    assert next(c for c in result.candidates if c.gpu == "SMALL").usd_per_million is None


def test_nothing_fits_says_so_plainly() -> None:
    result = plan(request(model="meta-llama/Llama-3.1-70B-Instruct", context_tokens=131072,
                          concurrency=64, gpus=["SMALL"]), CATALOG)
    assert not result.fits and result.recommended is None
    assert result.verdict.startswith("nothing fits:")
    assert "131.4 GiB of weights" in result.verdict and "8 x SMALL" in result.verdict
    assert "smaller weights (fp8, w4a16), an fp8 KV cache" in result.verdict
    fp8 = plan(request(model="meta-llama/Llama-3.1-70B-Instruct", context_tokens=131072,
                       concurrency=64, gpus=["SMALL"], scheme="fp8", kv_cache_dtype="fp8"),
               CATALOG)
    assert "Try smaller weights (w4a16), a shorter context" in fp8.verdict
    with pytest.raises(ConfigError, match="no plan to launch: nothing fits"):
        result.serve_config()


def test_a_scheme_vllm_cannot_serve_is_never_recommended() -> None:
    result = plan(request(scheme="nf4"), CATALOG)
    assert not result.fits and result.verdict.startswith("nothing servable fits")
    assert "bitsandbytes" in result.verdict


def test_old_gpu_cannot_run_fp8() -> None:
    result = plan(request(scheme="fp8", gpus=["OLD"]), CATALOG)
    assert not result.fits and "compute capability >= 8.0" in result.verdict


def test_serve_config_carries_the_plan() -> None:
    result = plan(request(scheme="fp8", kv_cache_dtype="fp8", gpus=["SMALL"],
                          gpu_memory_utilization=0.85), CATALOG)
    args = result.serve_config().to_args()
    flags = dict(zip(args[::2], args[1::2], strict=False))
    assert args[:2] == ["--model", LLAMA]
    for flag, value in {"--max-model-len": "8192", "--max-num-seqs": "32",
                        "--kv-cache-dtype": "fp8", "--quantization": "fp8",
                        "--gpu-memory-utilization": "0.85",
                        "--tensor-parallel-size": str(result.recommended.tp)}.items():
        assert value in args[args.index(flag) + 1], (flag, flags)


def test_multi_node_candidates_use_ray_pipeline_parallel() -> None:
    result = plan(request(model="meta-llama/Llama-3.1-70B-Instruct", gpus=["SMALL"],
                          max_nodes=2, gpu_counts=[8]), CATALOG)
    best = result.recommended
    assert (best.tp, best.pp, best.gpus) == (8, 2, 16)
    args = result.serve_config().to_args()
    assert args[-4:] == ["--pipeline-parallel-size", "2", "--distributed-executor-backend", "ray"]


def test_demo_model_serves_its_folder_under_its_profile_name() -> None:
    config = plan(request(model="demo:large", context_tokens=1024), CATALOG).serve_config()
    assert config.model.endswith("llmopt/demo/assets/large")
    assert config.served_model_name == "demo:large"


def test_capacity_table_has_a_row_per_gpu_scheme_and_kv_dtype() -> None:
    table = capacity_table(LLAMA, 8192, 32, ["bf16", "fp8", "nf4"], ["auto", "fp8"], CATALOG)
    assert len(table) == 4 * 3 * 2
    nf4 = table[table["scheme"] == "nf4"]
    assert not nf4["servable"].any()
    mid = table[(table["gpu"] == "MID") & (table["scheme"] == "bf16")].set_index("kv_cache_dtype")
    assert (mid.loc["auto", "gpus"], mid.loc["fp8", "gpus"]) == (2, 1)  # fp8 KV: one GPU fits
    assert mid["fits"].all() and (mid["max_concurrency"] >= 32).all()


def test_bad_requests_are_refused_with_the_valid_values() -> None:
    with pytest.raises(ValidationError, match="unknown weight scheme 'int3'; valid: bf16"):
        request(scheme="int3")
    with pytest.raises(ValidationError, match="unknown KV-cache dtype 'fp4'"):
        request(kv_cache_dtype="fp4")
    with pytest.raises(ConfigError, match="unknown GPU 'H9'"):
        plan(request(gpus=["H9"]), CATALOG)


def test_cpu_capacity_of_the_demo_models() -> None:
    auto = cpu_capacity("demo:large", "auto", kv_space_gib=1, context_tokens=1024)
    fp8 = cpu_capacity("demo:large", "fp8", kv_space_gib=1, context_tokens=1024)
    assert (auto.kv_tokens, fp8.kv_tokens) == (1_048_576, 2_097_152)
    assert auto.max_concurrency == 1024 and auto.kv_bytes_per_token == 1024
    assert cpu_capacity("demo:small", "auto", 2).kv_tokens == 8_388_608  # 256 bytes a token
    assert auto.servable and auto.problems == []
    no_avx512 = cpu_capacity("demo:large", "fp8", cpu_flags={"avx2"})
    assert not no_avx512.servable and "AVX-512" in no_avx512.problems[0].message
    assert cpu_capacity("demo:large", "fp8", cpu_flags={"avx512f"}).servable
    with pytest.raises(ConfigError, match="whole number of GiB"):
        cpu_capacity("demo:large", "auto", kv_space_gib=0)


def test_by_gpu_keeps_each_types_fewest_fitting_gpus() -> None:
    rows = plan(request(), CATALOG).by_gpu().set_index("gpu")
    assert list(rows.index) == ["BIG", "MID", "SMALL", "OLD"]
    assert rows.loc["MID", "gpus"] == 2 and rows.loc["SMALL", "gpus"] == 4
    tight = plan(request(concurrency=10_000), CATALOG).by_gpu()
    assert not tight["fits"].any() and (tight["gpus"] == 8).all()  # the most tried


def test_stated_throughput_is_labelled_and_scales_per_gpu() -> None:
    from llmopt.serve.plan import stated_throughput

    stated = stated_throughput()
    assert "not measured" in stated.note and stated.source.startswith("stated: ")
    assert set(stated.tokens_per_s_per_gpu) == set(GpuCatalog.load().names)
    result = plan(request(gpus=["SMALL"], tokens_per_s={"SMALL": 1000},
                          throughput_per_gpu=True), CATALOG)
    four = next(c for c in result.candidates if c.gpus == 4)
    assert four.tokens_per_s == 4000
    assert four.usd_per_million == pytest.approx(cost_per_million_tokens(4000, 4 * 0.5))


def test_predict_server_on_cpu_and_gpu() -> None:
    from llmopt.serve.plan import predict_server

    cpu = predict_server("demo:large", "auto", 1024, kv_space_gib=2)
    assert cpu.kv_tokens == 2_097_152 and cpu.exact and cpu.servable and cpu.reason == ""
    big = CATALOG.get("BIG")
    on_gpu = predict_server(LLAMA, "auto", 8192, gpu=big, max_num_seqs=32)
    assert not on_gpu.exact and on_gpu.kv_tokens == next(
        c for c in plan(request(gpus=["BIG"]), CATALOG).candidates if c.gpus == 1).memory.kv_tokens
