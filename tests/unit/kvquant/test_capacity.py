import math

import pytest

from llmopt.errors import ConfigError
from llmopt.kvquant import BF16, kivi, turboquant, vllm
from llmopt.kvquant.capacity import capacity_table
from llmopt.pricing import GpuCatalog
from llmopt.serve.plan import shape_for

LLAMA_8B = shape_for("meta-llama/Llama-3.1-8B-Instruct")
H100 = GpuCatalog.load().get("H100-80GB-SXM")


def test_fewer_bytes_fit_more_sequences_and_cost_less_per_token():
    table = capacity_table([BF16, vllm("turboquant_k8v4"), turboquant(4), turboquant(2)],
                           LLAMA_8B, H100, 8192, 3350, 50)
    assert table["kv_bytes_per_token"].is_monotonic_decreasing
    assert table["sequences_fit"].is_monotonic_increasing
    assert table["usd_per_million"].is_monotonic_decreasing
    assert (table["tpot_ms"] <= 50).all()
    # sequences x context x bytes per token fit in what the planner leaves for the cache
    row = table.loc["turboquant 2-bit"]
    assert row["sequences_fit"] * 8192 <= row["kv_tokens"] < (row["sequences_fit"] + 1) * 8192


def test_a_tight_latency_target_binds_before_memory():
    table = capacity_table([BF16, kivi(2)], LLAMA_8B, H100, 8192, 3350, 8)
    assert (table["bound_by"] == "latency").all()
    assert (table["sequences_at_target"] < table["sequences_fit"]).all()


def test_a_target_no_step_can_meet_serves_nothing():
    table = capacity_table([BF16], LLAMA_8B, H100, 8192, 3350, 1)  # the weights alone take 5 ms
    assert table.loc["bf16", "sequences_at_target"] == 0
    assert math.isinf(table.loc["bf16", "usd_per_million"])


@pytest.mark.parametrize(("field", "args"), [("context_tokens", (0, 3350, 50)),
                                             ("bandwidth_gb_s", (8192, -1, 50)),
                                             ("tpot_ms", (8192, 3350, 0))])
def test_bad_figures_are_named(field, args):
    with pytest.raises(ConfigError, match=f"{field} must be > 0"):
        capacity_table([BF16], LLAMA_8B, H100, *args)
