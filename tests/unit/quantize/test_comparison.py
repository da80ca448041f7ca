import math

import pytest

from llmopt.bench import BenchResult, Pair
from llmopt.errors import ConfigError
from llmopt.quantize.comparison import COLUMNS, decisions, table
from llmopt.quantize.served import ServedRun
from tests.unit.bench.records import record


def run(setting, weights, tokens_per_s, latency, accuracy, served=True, quantization=None):
    summary = {"requests": 30, "failed": 0, "output_tokens_per_s": tokens_per_s / 10,
               "total_tokens_per_s": tokens_per_s, "ttft_s_p50": latency / 4,
               "latency_s_p50": latency, "accuracy_easy": accuracy, "accuracy_hard": accuracy,
               "accuracy": accuracy} if served else {}
    return ServedRun(setting=setting, model=f"/m/{setting}", weights_bytes=weights,
                     served=served, startup_s=60.0 if served else None, summary=summary,
                     quantization=quantization, error=None if served else "no kernel")


RUNS = [run("unquantized", 2000, 3600.0, 1.0, 0.90),
        run("awq_w4a16", 800, 4000.0, 0.9, 0.90, quantization="compressed-tensors"),
        run("gptq_w4a16", 800, 3000.0, 1.2, 0.90, quantization="compressed-tensors"),
        run("w8a8_int8", 1200, 4000.0, 0.9, 0.80, quantization="compressed-tensors"),
        run("fp8_dynamic", 1200, 0, 0, 0, served=False)]


def test_table_compares_every_variant_with_the_baseline():
    frame = table(RUNS, usd_per_hour=1.0)
    assert list(frame.columns) == COLUMNS
    rows = frame.set_index("setting")
    assert rows.loc["awq_w4a16", "size_vs_baseline"] == 0.4
    # 1 $/h at 3600 tokens/s = 1 $ per 12.96M tokens
    assert rows.loc["unquantized", "usd_per_million_tokens"] == pytest.approx(1 / 12.96)
    assert rows.loc["awq_w4a16", "usd_per_million_tokens"] == pytest.approx(0.9 / 12.96)
    assert not rows.loc["fp8_dynamic", "served"]
    assert rows.loc["fp8_dynamic", "usd_per_million_tokens"] is None or math.isnan(
        rows.loc["fp8_dynamic", "usd_per_million_tokens"])


def _pair(base_latency, latency, correct):
    """Ten paired requests: the baseline all right at `base_latency` s, the variant at
    `latency` s with `correct` right."""
    def result(seconds, right):
        return BenchResult(records=[record(i, latency_s=seconds, correct=i < right)
                                    for i in range(10)])
    return Pair(result(base_latency, 10), result(latency, correct))


def test_decisions_compare_each_variant_with_its_interleaved_baseline():
    pairs = {"awq_w4a16": _pair(1.0, 0.5, 10), "gptq_w4a16": _pair(1.0, 1.0, 10),
             "w8a8_int8": _pair(1.0, 0.5, 5)}
    made = {d.setting: d for d in decisions(RUNS, pairs, usd_per_hour=1.0, in_flight=8,
                                            budget_points=2.0)}
    assert set(made) == {"awq_w4a16", "gptq_w4a16", "w8a8_int8", "fp8_dynamic"}
    assert made["awq_w4a16"].verdict == "keep" and made["awq_w4a16"].evidence.cost.ratio == 0.5
    assert made["gptq_w4a16"].verdict == "drop" and "no measurable gain" in made["gptq_w4a16"].why
    assert made["w8a8_int8"].verdict == "drop" and "loses 50.0 points" in made["w8a8_int8"].why
    fp8 = made["fp8_dynamic"]
    assert fp8.verdict == "inconclusive" and fp8.why == "not run here: not served: no kernel"


def test_baseline_must_have_been_served():
    runs = [run("unquantized", 2000, 0, 0, 0, served=False), *RUNS[1:2]]
    with pytest.raises(ConfigError, match="the baseline 'unquantized' did not start: no kernel"):
        table(runs, usd_per_hour=1.0)
    with pytest.raises(ConfigError, match="no baseline 'fp16' among unquantized, awq_w4a16"):
        table(RUNS, usd_per_hour=1.0, baseline="fp16")
