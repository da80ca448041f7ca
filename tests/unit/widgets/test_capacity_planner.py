"""The capacity-planner widget, driven without a browser; its numbers are llmopt.serve.plan's."""

from datetime import date

import pytest
import traitlets

from llmopt.pricing import Gpu, GpuCatalog
from llmopt.serve.plan import PlanRequest, plan
from llmopt.widgets import CapacityPlanner

LLAMA = "meta-llama/Llama-3.1-8B-Instruct"


@pytest.fixture
def catalog() -> GpuCatalog:
    return GpuCatalog(gpus=[
        Gpu(name=name, memory_gib=memory, on_demand_usd_per_hour=usd, as_of=date(2026, 1, 1),
            source="test", compute_capability=9.0)
        for name, memory, usd in [("SMALL", 24, 0.5), ("BIG", 80, 2.0)]])


@pytest.fixture
def planner(catalog: GpuCatalog) -> CapacityPlanner:
    return CapacityPlanner(catalog=catalog, model=LLAMA, context_tokens=8192, concurrency=32,
                           gpu="BIG", gpus=1, tokens_per_s=2000)


def line(planner: CapacityPlanner, name: str) -> str:
    return planner.result_lines[name].value


def test_shows_the_planners_numbers(planner: CapacityPlanner, catalog: GpuCatalog) -> None:
    expected = plan(PlanRequest(model=LLAMA, context_tokens=8192, concurrency=32,
                                gpus=["BIG"], gpu_counts=[1], tokens_per_s=2000), catalog)
    chosen = expected.recommended
    assert planner.error == "" and planner.candidate == chosen
    assert "yes" in line(planner, "fits") and "1 x BIG (tp=1)" in line(planner, "fits")
    assert f"{100 * chosen.headroom:+.0f}%" in line(planner, "headroom")
    assert f"${chosen.usd_per_million:,.4f} per 1M tokens" in line(planner, "cost")
    assert "8.03B parameters" in line(planner, "model_size")
    assert "vllm serve meta-llama/Llama-3.1-8B-Instruct" in line(planner, "command")
    assert "(est.)" in line(planner, "memory")


def test_too_small_a_gpu_says_why_and_auto_finds_the_count(planner: CapacityPlanner) -> None:
    planner.gpu = "SMALL"
    assert "no: the KV cache holds" in line(planner, "fits")
    assert line(planner, "command").endswith("(does not fit)")
    planner.gpus = 0  # the fewest that fit
    assert planner.candidate.fits and planner.candidate.gpus == 4
    assert "--tensor-parallel-size 4" in line(planner, "command")


def test_kv_fp8_doubles_the_sequences_that_fit(planner: CapacityPlanner) -> None:
    before = planner.candidate.memory.kv_tokens
    planner.kv_cache_dtype = "fp8"
    assert planner.candidate.memory.kv_tokens == pytest.approx(2 * before, rel=0.001)


def test_controls_drive_the_traitlets(planner: CapacityPlanner) -> None:
    planner.controls["scheme"].value = "fp8"
    assert planner.scheme == "fp8" and "--quantization fp8" in line(planner, "command")
    planner.controls["model"].value = "demo:large"
    assert planner.model == "demo:large" and "demo:large" in line(planner, "model_size")


def test_unservable_scheme_and_rejected_inputs(planner: CapacityPlanner) -> None:
    planner.scheme = "nf4"
    assert "vLLM cannot serve" in line(planner, "fits")
    assert "bitsandbytes" in line(planner, "problems")
    planner.context_tokens = 0
    assert planner.candidate is None and "context_tokens" in planner.error
    assert line(planner, "fits") == ""
    planner.context_tokens = 4096
    planner.model = "org/unknown"
    assert "unknown model 'org/unknown'" in planner.error
    planner.model = LLAMA
    assert planner.error == "" and planner.candidate is not None


def test_unknown_gpu_and_input_are_refused(planner: CapacityPlanner) -> None:
    with pytest.raises(traitlets.TraitError, match="unknown GPU 'H9'; valid: BIG, SMALL"):
        planner.gpu = "H9"
    with pytest.raises(TypeError, match="unknown input 'gpu_count'"):
        CapacityPlanner(gpu_count=2)
