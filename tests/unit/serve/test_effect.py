"""The effect check on /metrics texts and startup logs recorded from real vLLM 0.32 CPU servers.

data/metrics_*.txt: see test_metrics.py. data/startup.log: a tiny Llama, KV dtype auto.
data/startup_kv_*.log: demo `large` at KV dtype auto / fp8 / turboquant_k8v4 (1 GiB KV space).
data/metrics_ngram_{fresh,after}.txt: demo `large` with n-gram speculation (3 tokens, lookup 2-4)
before and after four demo requests one at a time.
"""

from pathlib import Path

import pytest

from llmopt.serve import MetricsDelta, parse_kv_cache_tokens, parse_metrics
from llmopt.serve.effect import kv_dtype_effect, prefix_cache_effect, speculation_effect
from llmopt.serve.logs import parse_max_concurrency

DATA = Path(__file__).parent / "data"


def _text(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def _delta(after: str, before: str = "metrics_fresh.txt") -> MetricsDelta:
    return parse_metrics(_text(after)) - parse_metrics(_text(before))


def _kv_tokens(dtype: str) -> int | None:
    return parse_kv_cache_tokens(_text(f"startup_kv_{dtype}.log"))


def test_prefix_cache_with_hits_is_effective() -> None:
    effect = prefix_cache_effect(_delta("metrics_after_requests.txt"))
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


def test_kv_capacity_lines_in_recorded_logs() -> None:
    assert parse_kv_cache_tokens(_text("startup.log")) == 4_194_304
    assert parse_max_concurrency(_text("startup.log")) == (512, 8192.0)
    assert parse_max_concurrency("no such line") is None
    auto = _kv_tokens("auto")
    assert auto is not None and parse_max_concurrency(_text("startup_kv_auto.log"))[0] == 1024


def test_fp8_kv_doubling_the_capacity_is_effective() -> None:
    effect = kv_dtype_effect("fp8", _kv_tokens("auto"), _kv_tokens("fp8"))
    assert effect.verdict == "effective"
    assert "(2.00x)" in effect.measured


def test_turboquant_kv_as_this_build_reports_it() -> None:
    auto, turbo = _kv_tokens("auto"), _kv_tokens("turboquant_k8v4")
    effect = kv_dtype_effect("turboquant_k8v4", auto, turbo)
    expected = "no effect" if turbo == auto else "effective"
    assert effect.verdict == expected, effect


def test_kv_dtype_without_a_capacity_is_not_measurable() -> None:
    assert kv_dtype_effect("fp8", _kv_tokens("auto"), None).verdict == "not measurable here"


@pytest.mark.parametrize("verdict", ["effective", "no effect", "not measurable here"])
def test_every_verdict_is_reachable(verdict: str) -> None:
    effects = [prefix_cache_effect(_delta("metrics_after_requests.txt")),
               prefix_cache_effect(_delta("metrics_spec_decode.txt")),
               prefix_cache_effect(None)]
    assert verdict in {e.verdict for e in effects}
