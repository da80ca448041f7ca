"""Parsing real /metrics text captured from vLLM 0.32 (CPU build) serving a tiny Llama.

data/metrics_fresh.txt: right after start-up; data/metrics_after_requests.txt: the same
server after two identical 151-token completions (12 tokens each, the second one hitting the
prefix cache) and one chat completion (20 + 5 tokens); data/metrics_spec_decode.txt: a server
with the same model as its own draft (3 speculative tokens) after one 151 + 16 token request.
"""

import math
from pathlib import Path

import pytest

from llmopt.errors import ServerError
from llmopt.serve import Histogram, MetricsDelta, MetricsSnapshot, parse_metrics, parse_samples

DATA = Path(__file__).parent / "data"


def _load(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def fresh() -> MetricsSnapshot:
    return parse_metrics(_load("metrics_fresh.txt"))


@pytest.fixture(scope="module")
def after() -> MetricsSnapshot:
    return parse_metrics(_load("metrics_after_requests.txt"))


def test_fresh_server_counters_are_zero(fresh: MetricsSnapshot) -> None:
    assert fresh.prompt_tokens == 0
    assert fresh.request_success == 0
    assert fresh.time_to_first_token_seconds.count == 0
    assert fresh.num_requests_running == 0


def test_counters_after_requests(after: MetricsSnapshot) -> None:
    assert after.prompt_tokens == 151 + 151 + 20
    assert after.generation_tokens == 12 + 12 + 5
    assert after.request_success == 3  # summed over finished_reason labels
    assert after.prefix_cache_queries == 322
    assert after.prefix_cache_hits == 128
    assert after.kv_cache_usage_perc == 0


def test_histograms_after_requests(after: MetricsSnapshot) -> None:
    ttft = after.time_to_first_token_seconds
    assert ttft.count == 3
    assert ttft.sum == pytest.approx(0.05605435371398926)
    assert ttft.buckets[-1] == (math.inf, 3.0)
    assert [le for le, _ in ttft.buckets] == sorted(le for le, _ in ttft.buckets)
    assert after.e2e_request_latency_seconds.count == 3
    assert after.inter_token_latency_seconds.count == 29 - 3
    assert after.request_time_per_output_token_seconds.count == 3


def test_raw_samples_are_kept(after: MetricsSnapshot) -> None:
    success = after.samples["vllm:request_success_total"]
    assert {s.labels["finished_reason"] for s in success} >= {"stop", "length", "abort"}
    assert after.total("vllm:request_success_total", finished_reason="length") == 3
    assert after.total("vllm:prompt_tokens_by_source_total", source="local_cache_hit") == 128
    assert after.total("no_such_metric") == 0


def test_delta_and_derived_rates(fresh: MetricsSnapshot, after: MetricsSnapshot) -> None:
    delta = after - fresh
    assert isinstance(delta, MetricsDelta)
    assert delta.prompt_tokens == 322
    assert delta.generation_tokens == 29
    assert delta.prefix_cache_hit_rate == pytest.approx(128 / 322)
    assert delta.mean_ttft_s == pytest.approx(0.05605435371398926 / 3)
    assert delta.mean_e2e_s is not None and delta.mean_e2e_s > 0
    assert delta.time_to_first_token_seconds.buckets[-1] == (math.inf, 3.0)


def test_rates_are_none_without_denominator(fresh: MetricsSnapshot) -> None:
    delta = fresh - fresh
    assert delta.prefix_cache_hit_rate is None
    assert delta.spec_decode_acceptance_rate is None
    assert delta.spec_decode_mean_acceptance_length is None
    assert delta.mean_ttft_s is None
    assert delta.mean_itl_s is None


def test_spec_decode_counters() -> None:
    snap = parse_metrics(_load("metrics_spec_decode.txt"))
    delta = snap - MetricsSnapshot()
    assert (snap.spec_decode_num_drafts, snap.spec_decode_num_draft_tokens) == (4, 12)
    assert snap.spec_decode_num_accepted_tokens == 12
    assert delta.spec_decode_acceptance_rate == 1.0
    assert delta.spec_decode_mean_acceptance_length == 4.0


def test_model_name_filter(after: MetricsSnapshot) -> None:
    text = _load("metrics_after_requests.txt")
    other = text.replace('model_name="tiny"', 'model_name="other"')
    both = parse_metrics(text + other)
    assert both.prompt_tokens == 2 * after.prompt_tokens
    assert parse_metrics(text + other, model_name="tiny").prompt_tokens == after.prompt_tokens
    assert parse_metrics(text, model_name="nobody").prompt_tokens == 0


def test_parser_handles_escapes_timestamps_and_specials() -> None:
    text = (
        "# HELP x a metric\n# TYPE x counter\n"
        'x_total{a="q\\"uote",b="back\\\\slash",c="line\\nbreak",} 3 1700000000000\n'
        "y NaN\nz +Inf\n\n"
    )
    x, y, z = parse_samples(text)
    assert x.labels == {"a": 'q"uote', "b": "back\\slash", "c": "line\nbreak"}
    assert x.value == 3
    assert math.isnan(y.value) and z.value == math.inf


@pytest.mark.parametrize("line", ["not a metric line", 'x{a="1" 2', "x{a=1} 2", "x abc"])
def test_parser_rejects_malformed_lines(line: str) -> None:
    with pytest.raises(ServerError, match="/metrics line"):
        parse_samples(line)


def test_agrees_with_prometheus_client_when_installed() -> None:
    parser = pytest.importorskip("prometheus_client.parser")
    text = _load("metrics_after_requests.txt")
    theirs = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in parser.text_string_to_metric_families(text)
        for s in family.samples
    }
    ours = {(s.name, tuple(sorted(s.labels.items()))): s.value for s in parse_samples(text)}
    assert ours == theirs


def test_histogram_subtraction_and_mean() -> None:
    a = Histogram(sum=1.0, count=2, buckets=((0.5, 1), (math.inf, 2)))
    b = Histogram(sum=4.0, count=5, buckets=((0.5, 3), (math.inf, 5)))
    assert (b - a) == Histogram(sum=3.0, count=3, buckets=((0.5, 2), (math.inf, 3)))
    assert Histogram().mean is None
