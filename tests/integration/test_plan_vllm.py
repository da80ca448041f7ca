"""The serving plan against the real vLLM: the CPU build's reported KV capacity (two server
starts at once: bf16 and fp8 KV) and vLLM's own argument parser and engine config."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from llmopt.demo import assets
from llmopt.errors import ServerError, ServerStartError
from llmopt.output import SERVER_ARGS as STRUCTURED_OUTPUTS
from llmopt.profile import Profile
from llmopt.serve import (
    DraftModelSpeculative,
    EagleSpeculative,
    NgramSpeculative,
    ServeConfig,
    VllmServer,
    serving,
)
from llmopt.serve.plan import (
    PlanRequest,
    VllmArgChecker,
    cpu_capacity,
    plan,
    ray_steps,
    serve_argv,
    shape_for,
)
from llmopt.settings import get_settings

pytestmark = [pytest.mark.vllm, pytest.mark.slow]

LLAMA = "meta-llama/Llama-3.1-8B-Instruct"
GPU = Profile.load(Path(__file__).parents[2] / "cookbook/profiles/gpu.yaml")


@pytest.fixture(scope="module", autouse=True)
def _needs_vllm() -> None:
    if not get_settings().vllm_python.exists():
        pytest.skip(f"no vLLM environment at {get_settings().vllm_python}")


KV_DTYPES = ["auto", "fp8"]


@pytest.fixture(scope="module")
def kv_servers(tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[dict[str, tuple[VllmServer, ServerError | None]]]:
    """A demo `large` server per KV dtype, started together (a start is one core's work, and
    this machine has two): each with the error its start failed with, or None. Eager mode and
    the worker in the engine core's process: the capacity depends on neither, and they skip
    minutes of compilation and one process importing vLLM."""
    logs = tmp_path_factory.mktemp("kv")
    servers = {kv: VllmServer(ServeConfig(
        model=str(assets.model_dir("large")), served_model_name="demo:large", max_model_len=1024,
        kv_cache_dtype=kv, worker_in_process=True, extra_args=["--enforce-eager"]),
        log_path=logs / f"{kv}.log") for kv in KV_DTYPES}
    with serving(servers, keep_going=True) as failed:
        yield {kv: (server, failed.get(kv)) for kv, server in servers.items()}


@pytest.mark.parametrize("kv", KV_DTYPES)
def test_predicted_kv_capacity_is_what_the_cpu_server_reports(
        kv: str, kv_servers: dict[str, tuple[VllmServer, ServerError | None]]) -> None:
    """The server reports the predicted capacity; where the plan says this CPU cannot run the
    KV dtype (fp8 without AVX-512 or AMX), the server refuses it for that reason."""
    space = int(get_settings().kv_cache_space_gib)
    predicted = cpu_capacity("demo:large", kv, kv_space_gib=space, context_tokens=1024)
    server, error = kv_servers[kv]
    if not predicted.servable:
        assert isinstance(error, ServerStartError), error
        assert "FP8 KV cache on CPU requires x86 with AVX-512 or AMX" in server.log_text()
        return
    assert error is None, error
    reported = server.kv_cache_tokens
    assert reported is not None, "the server logged no KV-cache size"
    assert abs(predicted.kv_tokens - reported) <= 0.05 * reported, (predicted, reported)


@pytest.fixture(scope="module")
def checker() -> Iterator[VllmArgChecker]:
    with VllmArgChecker() as started:
        yield started


def test_a_gpu_plan_passes_vllms_parser_and_engine_config(checker: VllmArgChecker) -> None:
    gpu_plan = plan(PlanRequest(model=LLAMA, scheme="fp8", kv_cache_dtype="fp8",
                                context_tokens=8192, concurrency=32))
    result = checker.check(serve_argv(gpu_plan.serve_config()),
                           stand_in=gpu_plan.shape.to_config())
    assert result.ok, result
    assert result.checked == ["parser", "serve-args", "engine-args", "engine-config"]
    assert result.vllm_version.startswith("0.32")
    assert "stand-in config.json" in (result.note or "")  # the 8B model is not cached here


def test_the_demo_plan_is_checked_against_its_own_config(checker: VllmArgChecker) -> None:
    demo_plan = plan(PlanRequest(model="demo:large", kv_cache_dtype="fp8", context_tokens=1024,
                                 concurrency=64))
    result = checker.check(serve_argv(demo_plan.serve_config()))
    assert result.ok and result.stage == "engine-config" and result.note is None, result


@pytest.mark.parametrize(("change", "stage", "reason"), [
    (["--tensor-parallel-size", "3"], "engine-config",
     "attention heads (32) must be divisible by tensor parallel size (3)"),
    (["--max-model-len", "200000"], "engine-config", "greater than the derived max_model_len"),
    (["--quantization", "bitsandbytes"], "engine-config",
     "Unknown quantization method: bitsandbytes"),
    (["--kv-cache-dtype", "fp9"], "parser", "invalid choice: 'fp9'"),
    (["--tensor-parallel-size", "two"], "parser", "invalid int value: 'two'"),
    (["--no-such-flag"], "parser", "unrecognized arguments: --no-such-flag"),
])
def test_invalid_combinations_are_rejected_with_vllms_reason(
        checker: VllmArgChecker, change: list[str], stage: str, reason: str) -> None:
    result = checker.check(["vllm", "serve", LLAMA, *change],
                           stand_in=shape_for(LLAMA).to_config())
    assert not result.ok and result.stage == stage, result
    assert reason in result.error, result.error


def test_ray_multi_node_flags_pass(checker: VllmArgChecker) -> None:
    gpu_plan = plan(PlanRequest(model=LLAMA, context_tokens=8192, concurrency=32))
    steps = ray_steps(gpu_plan.serve_config(), nodes=2, gpus_per_node=8)
    stand_in = gpu_plan.shape.to_config()
    parsed = checker.check(steps.serve_argv, stand_in=stand_in, engine_config=False)
    assert parsed.ok and parsed.stage == "engine-args", parsed
    without_ray = [a for a in steps.serve_argv if a not in ("--distributed-executor-backend",
                                                            "ray")]
    assert checker.check(without_ray, stand_in=stand_in).ok


@pytest.mark.parametrize(("change", "engine_config"), [
    ({"kv_cache_dtype": "auto"}, True),
    ({"kv_cache_dtype": "fp8"}, True),
    ({"kv_cache_dtype": "turboquant_k8v4"}, True),
    ({"kv_cache_dtype": "turboquant_4bit_nc"}, True),
    ({"kv_cache_dtype": "turboquant_k3v4_nc"}, True),
    ({"kv_cache_dtype": "turboquant_3bit_nc"}, True),
    ({"speculative": NgramSpeculative(num_speculative_tokens=4)}, True),
    # A draft's own config.json is read when the engine config is built: not offline here.
    ({"speculative": DraftModelSpeculative(model=GPU.draft_model, num_speculative_tokens=4)},
     False),
    ({"speculative": EagleSpeculative(model=GPU.eagle_head, num_speculative_tokens=4)},
     False),
    ({"extra_args": STRUCTURED_OUTPUTS}, True),
], ids=["kv-auto", "kv-fp8", "kv-turboquant", "kv-turboquant-4bit-nc", "kv-turboquant-k3v4-nc",
        "kv-turboquant-3bit-nc", "ngram", "draft-model", "eagle3",
        "structured-outputs"])
def test_the_gpu_profiles_notebook_servers_pass_vllm(
        checker: VllmArgChecker, change: dict, engine_config: bool) -> None:
    """The target servers notebooks 05, 06, 09 and 10 start on the gpu profile, through the same
    vLLM version's parser (and engine config, with the 8B target's stated shape standing in)."""
    config = GPU.serve_config("target", **change)
    result = checker.check(serve_argv(config), stand_in=shape_for(GPU.target_model).to_config(),
                           engine_config=engine_config)
    assert result.ok, result
    assert result.stage == ("engine-config" if engine_config else "engine-args"), result


@pytest.mark.parametrize("layers", [None, 24], ids=["1b-student", "8b-pruned-to-24-layers"])
def test_the_gpu_profiles_student_and_pruned_model_pass_vllm(checker: VllmArgChecker,
                                                             layers: int | None) -> None:
    """Notebook 11's models on the gpu profile, served from the folders llmopt.distill writes:
    the 1B student (the draft's shape) and the 8B target pruned to 24 layers."""
    shape = shape_for(GPU.draft_model if layers is None else GPU.target_model)
    stand_in = shape.to_config() | ({} if layers is None else {"num_hidden_layers": layers})
    config = GPU.serve_config("target", model="students/llama-student",
                              served_model_name="student")
    result = checker.check(serve_argv(config), stand_in=stand_in)
    assert result.ok and result.stage == "engine-config", result
