"""Decisions on planned changes."""

from llmopt.serve.plan import PlanRequest, plan
from llmopt.serve.plan.decision import planned

LLAMA = "meta-llama/Llama-3.1-8B-Instruct"
BUDGET = {"budget_points": 2.0}


def best(**fields):
    request = PlanRequest(**({"model": LLAMA, "context_tokens": 8192, "concurrency": 32,
                              "tokens_per_s": 2000.0} | fields))
    return plan(request).recommended


def test_a_cheaper_gpu_with_the_same_weights_is_kept() -> None:
    h100, cheapest = best(gpus=["H100-80GB-SXM"]), best()
    d = planned("GPU", "cheapest fit", h100, cheapest, same_outputs=True, **BUDGET)
    row = d.row()
    assert d.verdict == "keep" and row["delta_cost_pct"] < 0 and row["delta_quality_points"] == 0.0
    assert row["delta_latency_pct"] is None and row["cost_interval"] == "exact"
    assert "$ per 1M tokens (planned)" in d.why
    back = planned("GPU", "H100", cheapest, h100, same_outputs=True, **BUDGET)
    assert back.verdict == "drop" and back.why.startswith("no measurable gain")


def test_an_unmeasured_precision_change_is_inconclusive() -> None:
    auto, fp8 = best(gpus=["L4-24GB"]), best(gpus=["L4-24GB"], kv_cache_dtype="fp8")
    d = planned("KV cache dtype", "fp8", auto, fp8, same_outputs=False, **BUDGET)
    assert d.evidence.cost.pct < 0 and d.verdict == "inconclusive"
    assert d.evidence.quality is None and "not measured" in d.why


def test_per_hour_when_asked_or_when_no_throughput_is_known() -> None:
    d = planned("GPU", "x", best(gpus=["H100-80GB-SXM"], tokens_per_s=None),
                best(tokens_per_s=None), same_outputs=True, **BUDGET)
    assert "$ per hour per replica" in d.why and d.keep
    two, one = best(gpus=["L4-24GB"]), best(gpus=["L4-24GB"], kv_cache_dtype="fp8")
    assert (two.gpus, one.gpus) == (4, 2)
    by_hour = planned("KV", "fp8", two, one, same_outputs=True, by="hour", **BUDGET)
    assert by_hour.evidence.cost.pct == -50.0 and by_hour.keep
