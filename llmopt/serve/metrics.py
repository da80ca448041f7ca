"""Typed views of vLLM's /metrics: a `MetricsSnapshot` at one moment, a `MetricsDelta` between two.

Counters and histograms are summed over label sets (finished_reason, engine, ...), restricted
to one `model_name` label when a filter is given. Names are those vLLM 0.32 exposes.
"""

from __future__ import annotations

from collections import defaultdict

from pydantic import BaseModel, ConfigDict

from llmopt.serve.prometheus import Sample, parse_samples

COUNTERS = {
    "prompt_tokens": "vllm:prompt_tokens_total",
    "generation_tokens": "vllm:generation_tokens_total",
    "request_success": "vllm:request_success_total",
    "prefix_cache_queries": "vllm:prefix_cache_queries_total",
    "prefix_cache_hits": "vllm:prefix_cache_hits_total",
    "spec_decode_num_drafts": "vllm:spec_decode_num_drafts_total",
    "spec_decode_num_draft_tokens": "vllm:spec_decode_num_draft_tokens_total",
    "spec_decode_num_accepted_tokens": "vllm:spec_decode_num_accepted_tokens_total",
}
HISTOGRAMS = {
    "time_to_first_token_seconds": "vllm:time_to_first_token_seconds",
    "inter_token_latency_seconds": "vllm:inter_token_latency_seconds",
    "request_time_per_output_token_seconds": "vllm:request_time_per_output_token_seconds",
    "e2e_request_latency_seconds": "vllm:e2e_request_latency_seconds",
}
GAUGES = {
    "num_requests_running": "vllm:num_requests_running",
    "num_requests_waiting": "vllm:num_requests_waiting",
    "kv_cache_usage_perc": "vllm:kv_cache_usage_perc",
}


class Histogram(BaseModel):
    """A Prometheus histogram: total, number of observations, cumulative (le, count) buckets."""

    model_config = ConfigDict(extra="forbid", frozen=True, ser_json_inf_nan="constants")

    sum: float = 0.0
    count: float = 0.0
    buckets: tuple[tuple[float, float], ...] = ()

    @property
    def mean(self) -> float | None:
        """sum / count, or None when nothing was observed."""
        return _ratio(self.sum, self.count)

    def __sub__(self, other: Histogram) -> Histogram:
        before = dict(other.buckets)
        buckets = tuple((le, n - before.get(le, 0.0)) for le, n in self.buckets)
        return Histogram(sum=self.sum - other.sum, count=self.count - other.count, buckets=buckets)


class _Totals(BaseModel):
    """Counter and histogram fields shared by a snapshot and a delta."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    prompt_tokens: float = 0.0
    generation_tokens: float = 0.0
    request_success: float = 0.0
    prefix_cache_queries: float = 0.0
    prefix_cache_hits: float = 0.0
    spec_decode_num_drafts: float = 0.0
    spec_decode_num_draft_tokens: float = 0.0
    spec_decode_num_accepted_tokens: float = 0.0
    time_to_first_token_seconds: Histogram = Histogram()
    inter_token_latency_seconds: Histogram = Histogram()
    request_time_per_output_token_seconds: Histogram = Histogram()
    e2e_request_latency_seconds: Histogram = Histogram()


class MetricsDelta(_Totals):
    """What happened between two snapshots (counter and histogram differences)."""

    @property
    def prefix_cache_hit_rate(self) -> float | None:
        """Prefix-cache hit tokens / queried tokens; None when nothing was queried."""
        return _ratio(self.prefix_cache_hits, self.prefix_cache_queries)

    @property
    def spec_decode_acceptance_rate(self) -> float | None:
        """Accepted draft tokens / proposed draft tokens; None without drafts."""
        return _ratio(self.spec_decode_num_accepted_tokens, self.spec_decode_num_draft_tokens)

    @property
    def spec_decode_mean_acceptance_length(self) -> float | None:
        """Tokens emitted per verification step (1 + accepted / drafts); None without drafts."""
        accepted = _ratio(self.spec_decode_num_accepted_tokens, self.spec_decode_num_drafts)
        return None if accepted is None else 1.0 + accepted

    @property
    def mean_ttft_s(self) -> float | None:
        """Mean time to first token in seconds; None when no request finished prefill."""
        return self.time_to_first_token_seconds.mean

    @property
    def mean_itl_s(self) -> float | None:
        """Mean inter-token latency in seconds; None without decode steps."""
        return self.inter_token_latency_seconds.mean

    @property
    def mean_e2e_s(self) -> float | None:
        """Mean end-to-end request latency in seconds; None when no request finished."""
        return self.e2e_request_latency_seconds.mean


class MetricsSnapshot(_Totals):
    """vLLM's /metrics at one moment: typed counters, histograms, gauges and the raw samples."""

    num_requests_running: float = 0.0
    num_requests_waiting: float = 0.0
    kv_cache_usage_perc: float = 0.0
    samples: dict[str, list[Sample]] = {}
    """Every sample of the (filtered) exposition, by series name (e.g. `..._bucket`)."""

    @classmethod
    def from_text(cls, text: str, model_name: str | None = None) -> MetricsSnapshot:
        """Parse /metrics text; with `model_name`, keep only series labelled with that model."""
        samples: dict[str, list[Sample]] = defaultdict(list)
        for sample in parse_samples(text):
            if model_name is None or sample.labels.get("model_name", model_name) == model_name:
                samples[sample.name].append(sample)
        fields = {key: _total(samples, name) for key, name in (COUNTERS | GAUGES).items()}
        fields |= {key: _histogram(samples, name) for key, name in HISTOGRAMS.items()}
        return cls(**fields, samples=dict(samples))

    def total(self, name: str, **labels: str) -> float:
        """Sum of series `name` over the samples whose labels include `labels`."""
        matching = self.samples.get(name, [])
        return sum(s.value for s in matching if labels.items() <= s.labels.items())

    def __sub__(self, other: MetricsSnapshot) -> MetricsDelta:
        fields = {
            key: getattr(self, key) - getattr(other, key) for key in MetricsDelta.model_fields
        }
        return MetricsDelta(**fields)


def parse_metrics(text: str, model_name: str | None = None) -> MetricsSnapshot:
    """Shorthand for `MetricsSnapshot.from_text`."""
    return MetricsSnapshot.from_text(text, model_name)


def _total(samples: dict[str, list[Sample]], name: str) -> float:
    return sum(s.value for s in samples.get(name, []))


def _histogram(samples: dict[str, list[Sample]], name: str) -> Histogram:
    buckets: dict[float, float] = defaultdict(float)
    for sample in samples.get(f"{name}_bucket", []):
        buckets[float(sample.labels.get("le", "+Inf"))] += sample.value
    return Histogram(
        sum=_total(samples, f"{name}_sum"),
        count=_total(samples, f"{name}_count"),
        buckets=tuple(sorted(buckets.items())),
    )


def _ratio(numerator: float, denominator: float) -> float | None:
    return None if denominator == 0 else numerator / denominator
