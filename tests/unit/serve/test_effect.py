"""The effect check on /metrics texts and startup logs recorded from real vLLM 0.32 CPU servers.

data/metrics_*.txt: see test_metrics.py. data/startup.log: a tiny Llama, KV dtype auto.
data/startup_kv_*.log: demo `large` at KV dtype auto / fp8 / turboquant_k8v4 (1 GiB KV space).
data/metrics_ngram_{fresh,after}.txt: demo `large` with n-gram speculation (3 tokens, lookup 2-4)
before and after four demo requests one at a time.
"""

from pathlib import Path

import pytest

from llmopt.serve import MetricsDelta, parse_kv_cache_tokens, parse_metrics
from llmopt.serve.effect import (
    LATENCY_NOISE_PCT,
    MIN_QUALITY_NOISE_POINTS,
    VERDICTS,
    Outcome,
    kv_dtype_effect,
    prefix_cache_effect,
    quality_noise_points,
    speculation_effect,
)
from llmopt.serve.logs import parse_max_concurrency

DATA = Path(__file__).parent / "data"


def _text(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def _delta(after: str, before: str = "metrics_fresh.txt") -> MetricsDelta:
    return parse_metrics(_text(after)) - parse_metrics(_text(before))


def _kv_tokens(dtype: str) -> int | None:
    return parse_kv_cache_tokens(_text(f"startup_kv_{dtype}.log"))


SAME = Outcome(latency_s=1.0, tokens_per_s=100.0, accuracy=0.8, requests=40)


def test_prefix_cache_with_hits_is_effective() -> None:
    effect = prefix_cache_effect(_delta("metrics_after_requests.txt"), SAME, SAME)
    assert effect.verdict == "effective"
    assert "hit rate 39.8% (128 of 322" in effect.measured


def test_prefix_cache_without_hits_is_no_effect() -> None:
    # metrics_spec_decode.txt: one request on a fresh server, nothing to reuse.
    effect = prefix_cache_effect(_delta("metrics_spec_decode.txt"))
    assert effect.verdict == "no effect"
    assert "hit rate 0.0%" in effect.measured


def test_prefix_cache_without_queries_is_not_measurable() -> None:
    assert prefix_cache_effect(_delta("metrics_fresh.txt")).verdict == "not measurable here"
    assert prefix_cache_effect(None).verdict == "not measurable here"


def test_speculation_with_accepted_tokens_is_effective() -> None:
    effect = speculation_effect("draft_model", _delta("metrics_spec_decode.txt"))
    assert effect.verdict == "effective"
    assert "12 of 12 draft tokens accepted (100.0%), mean accepted length 4.00" in effect.measured


def test_ngram_on_the_demo_model_as_recorded() -> None:
    delta = _delta("metrics_ngram_after.txt", "metrics_ngram_fresh.txt")
    effect = speculation_effect("ngram", delta)
    assert effect.verdict == "effective"
    assert "19 of 105 draft tokens accepted (18.1%), mean accepted length 1.54" in effect.measured
    hits = prefix_cache_effect(delta)  # four requests sharing the manual
    assert hits.verdict == "effective" and "1,152 of 2,050" in hits.measured


def test_speculation_with_no_accepted_tokens_is_no_effect() -> None:
    delta = _delta("metrics_spec_decode.txt").model_copy(
        update={"spec_decode_num_accepted_tokens": 0.0})
    assert speculation_effect("ngram", delta).verdict == "no effect"


def test_speculation_without_drafts_is_not_measurable() -> None:
    # metrics_after_requests.txt: a server without speculation.
    effect = speculation_effect("ngram", _delta("metrics_after_requests.txt"))
    assert effect.verdict == "not measurable here"


def test_speculation_that_slows_decoding_is_harmful() -> None:
    slower = SAME.model_copy(update={"latency_s": 1.0 + 2 * LATENCY_NOISE_PCT / 100})
    effect = speculation_effect("ngram", _delta("metrics_spec_decode.txt"), SAME, slower)
    assert effect.verdict == "harmful"
    assert "latency +30%" in effect.why


def test_a_measured_noise_band_replaces_the_default() -> None:
    slower = SAME.model_copy(update={"latency_s": 1.3})
    delta = _delta("metrics_spec_decode.txt")
    assert speculation_effect("ngram", delta, SAME, slower, noise_pct=50).verdict == "effective"
    assert "noise band 20%" in speculation_effect("ngram", delta, SAME, slower, noise_pct=20).why


def test_kv_capacity_lines_in_recorded_logs() -> None:
    assert parse_kv_cache_tokens(_text("startup.log")) == 4_194_304
    assert parse_max_concurrency(_text("startup.log")) == (512, 8192.0)
    assert parse_max_concurrency("no such line") is None
    auto = _kv_tokens("auto")
    assert auto is not None and parse_max_concurrency(_text("startup_kv_auto.log"))[0] == 1024


def test_fp8_kv_doubling_the_capacity_is_effective() -> None:
    effect = kv_dtype_effect("fp8", _kv_tokens("auto"), _kv_tokens("fp8"), SAME, SAME)
    assert effect.verdict == "effective"
    assert "(2.00x)" in effect.measured


def test_turboquant_kv_as_this_build_reports_it() -> None:
    auto, turbo = _kv_tokens("auto"), _kv_tokens("turboquant_k8v4")
    effect = kv_dtype_effect("turboquant_k8v4", auto, turbo)
    expected = "no effect" if turbo == auto else "effective"
    assert effect.verdict == expected, effect


def test_kv_dtype_without_a_capacity_is_not_measurable() -> None:
    assert kv_dtype_effect("fp8", _kv_tokens("auto"), None).verdict == "not measurable here"


def test_kv_dtype_losing_accuracy_beyond_noise_is_harmful() -> None:
    worse = SAME.model_copy(update={"accuracy": 0.5})
    effect = kv_dtype_effect("fp8", 1000, 2000, SAME, worse)
    assert effect.verdict == "harmful"
    assert "accuracy -30.0 points" in effect.why


def test_small_accuracy_moves_are_noise() -> None:
    within = SAME.model_copy(update={"accuracy": 0.75})  # -5 points on 40 requests: noise
    assert kv_dtype_effect("fp8", 1000, 2000, SAME, within).verdict == "effective"
    assert quality_noise_points(0.8, 10_000) == MIN_QUALITY_NOISE_POINTS
    assert quality_noise_points(0.8, 0) == float("inf")


def test_outcome_from_a_summary_row() -> None:
    row = {"latency_s_p50": 0.5, "output_tokens_per_s": float("nan"), "accuracy": 1.0,
           "requests": 8}
    outcome = Outcome.from_summary(row)
    assert outcome == Outcome(latency_s=0.5, tokens_per_s=None, accuracy=1.0, requests=8)


@pytest.mark.parametrize("verdict", VERDICTS)
def test_every_verdict_is_reachable(verdict: str) -> None:
    effects = [prefix_cache_effect(_delta("metrics_after_requests.txt")),
               prefix_cache_effect(_delta("metrics_spec_decode.txt")),
               prefix_cache_effect(None),
               kv_dtype_effect("fp8", 1, 2, SAME, SAME.model_copy(update={"accuracy": 0.1}))]
    assert verdict in {e.verdict for e in effects}


def test_only_an_effective_option_is_kept(tmp_path: Path) -> None:
    from llmopt.report.decision import Measure
    from llmopt.results import load
    from llmopt.serve.effect import DECISION_COLUMNS, effect_row, save_decisions

    base = Measure(cost=1, latency=1, accuracy=0.8)
    faster = Measure(cost=1, latency=0.5, accuracy=0.8)
    works = kv_dtype_effect("fp8", 1000, 2000)
    idle = kv_dtype_effect("turboquant_k8v4", 1000, 1000)
    kept = effect_row("KV", "fp8", base, faster, works)
    dropped = effect_row("KV", "turboquant_k8v4", base, faster, idle)
    refused = effect_row("KV", "fp8", None, None, kv_dtype_effect("fp8", 1000, None),
                         reason="no AVX-512")
    assert (kept["keep"], kept["verdict"]) == (True, "effective")
    assert (dropped["keep"], dropped["verdict"]) == (False, "no effect")
    assert dropped["why"].startswith("no effect: accepted, but the capacity is 1.00x")
    assert refused["why"] == "not measurable here: no AVX-512" and not refused["keep"]
    frame = save_decisions(tmp_path, "x", [kept, dropped, refused], note="n")
    assert list(frame.columns) == DECISION_COLUMNS
    saved = load(tmp_path, "x")
    assert [r["verdict"] for r in saved["decisions"]] == ["effective", "no effect",
                                                           "not measurable here"]
