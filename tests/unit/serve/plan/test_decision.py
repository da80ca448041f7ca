"""Decision rows for planned changes."""

from llmopt.report.decision import COLUMNS
from llmopt.serve.plan import PlanRequest, plan
from llmopt.serve.plan.decision import planned

LLAMA = "meta-llama/Llama-3.1-8B-Instruct"


def best(**fields):
    request = PlanRequest(**({"model": LLAMA, "context_tokens": 8192, "concurrency": 32,
                              "tokens_per_s": 2000.0} | fields))
    return plan(request).recommended


def test_a_cheaper_gpu_with_the_same_weights_is_kept() -> None:
    h100, cheapest = best(gpus=["H100-80GB-SXM"]), best()
    row = planned("GPU", "cheapest fit", h100, cheapest, same_outputs=True)
    assert list(row) == COLUMNS
    assert row["keep"] and row["delta_cost_pct"] < 0 and row["delta_quality_points"] == 0.0
    assert row["delta_latency_pct"] is None and "$/1M tokens" in row["why"]
    back = planned("GPU", "H100", cheapest, h100, same_outputs=True)
    assert not back["keep"] and back["why"].startswith("not cheaper")


def test_an_unmeasured_precision_change_is_not_kept() -> None:
    auto, fp8 = best(gpus=["L4-24GB"]), best(gpus=["L4-24GB"], kv_cache_dtype="fp8")
    row = planned("KV cache dtype", "fp8", auto, fp8, same_outputs=False)
    assert row["delta_cost_pct"] < 0 and not row["keep"]
    assert row["delta_quality_points"] is None and "not measured" in row["why"]


def test_per_hour_when_asked_or_when_no_throughput_is_known() -> None:
    row = planned("GPU", "x", best(gpus=["H100-80GB-SXM"], tokens_per_s=None),
                  best(tokens_per_s=None), same_outputs=True)
    assert "$/hour per replica" in row["why"] and row["keep"]
    two, one = best(gpus=["L4-24GB"]), best(gpus=["L4-24GB"], kv_cache_dtype="fp8")
    assert (two.gpus, one.gpus) == (4, 2)
    by_hour = planned("KV", "fp8", two, one, same_outputs=True, by="hour")
    assert by_hour["delta_cost_pct"] == -50.0 and by_hour["keep"]


def test_a_setting_this_machine_cannot_run() -> None:
    from llmopt.serve.plan.decision import not_run

    row = not_run("KV cache dtype", "fp8", "needs AVX-512")
    assert list(row) == COLUMNS and row["keep"] is False
    assert row["why"] == "not run here: needs AVX-512" and row["delta_cost_pct"] is None
