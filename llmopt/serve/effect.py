"""The effect check: did a serving option that vLLM accepted do what it promises, here?

vLLM accepts many flags that do nothing on a given build or workload (a KV dtype whose capacity
stays at the default's, speculation that never gets a draft token accepted, prefix caching on
prompts that share nothing). Each check reads the option's own mechanism as the server reports
it (KV capacity from the startup log, /metrics counters as a `MetricsDelta`) and returns an
`Effect` (llmopt.evidence): what the option promised, what the server showed, a verdict:

- `not measurable here`: the mechanism's evidence is missing (no metrics, no capacity line, no
  request that could use it);
- `no effect`: the server shows the mechanism did nothing (capacity unchanged, zero accepted
  draft tokens, zero prefix-cache hits);
- `effective`: the mechanism worked.

Whether it paid is the decision's question (`llmopt.evidence.decide`, with the effect passed
in): speed and quality on the same requests, each beyond its own noise; an option that worked
but made things worse comes back from there as `harmful`.
"""

from __future__ import annotations

from llmopt.evidence import Effect
from llmopt.serve.metrics import MetricsDelta

MIN_CAPACITY_GAIN = 1.05
"""KV capacity ratio (option / default) below which a KV dtype changed nothing. vLLM's capacity is
whole blocks of the same memory, so an unchanged byte width gives exactly 1.00; the smallest real
change (16 -> 8 bits) gives 2.00. 5% is far above block rounding and far below any real gain."""

MIN_PREFIX_HIT_RATE = 0.01
"""Prefix-cache hit tokens / queried tokens below which caching did nothing: a cache that serves
under 1% of prompt tokens saves less prefill than run-to-run noise. vLLM counts whole blocks, so
prompts that share nothing give exactly 0."""

MIN_ACCEPTED_TOKENS = 1
"""Accepted draft tokens below which speculation did nothing: with none accepted every step
emits one token, as without speculation, and the drafting is pure overhead."""


def kv_dtype_effect(dtype: str, base_tokens: int | None, tokens: int | None,
                    base_dtype: str = "auto") -> Effect:
    """A KV-cache dtype against `base_dtype`, from the capacities the servers reported."""
    option = f"kv_cache_dtype={dtype}"
    promised = f"more KV-cache tokens in the same memory than {base_dtype} (8-bit: 2x, 4-bit: ~4x)"
    if not base_tokens or not tokens:
        return Effect(option=option, promised=promised, measured="no KV capacity reported",
                      verdict="not measurable here",
                      why="a server did not log its KV capacity (refused or not started)")
    ratio = tokens / base_tokens
    measured = f"{tokens:,} vs {base_tokens:,} tokens ({ratio:.2f}x)"
    if ratio < MIN_CAPACITY_GAIN:
        return Effect(option=option, promised=promised, measured=measured, verdict="no effect",
                      why=f"accepted, but the capacity is {ratio:.2f}x {base_dtype}'s "
                          f"(< {MIN_CAPACITY_GAIN:.2f}x)")
    return Effect(option=option, promised=promised, measured=measured, verdict="effective",
                  why="the server shows the mechanism at work")


def prefix_cache_effect(delta: MetricsDelta | None) -> Effect:
    """Prefix caching on, from the /metrics delta of the run with it on."""
    option = "enable_prefix_caching"
    promised = "shared prompt prefixes served from cache: fewer prompt tokens computed, lower TTFT"
    if delta is None or delta.prefix_cache_queries <= 0:
        return Effect(option=option, promised=promised, measured="no prefix-cache queries",
                      verdict="not measurable here",
                      why="the server's /metrics counted no prefix-cache lookups")
    rate = delta.prefix_cache_hit_rate or 0.0
    measured = (f"hit rate {rate:.1%} ({delta.prefix_cache_hits:,.0f} of "
                f"{delta.prefix_cache_queries:,.0f} prompt tokens from cache)")
    if rate < MIN_PREFIX_HIT_RATE:
        return Effect(option=option, promised=promised, measured=measured, verdict="no effect",
                      why=f"hit rate below {MIN_PREFIX_HIT_RATE:.0%}: the prompts share no "
                          "cached prefix")
    return Effect(option=option, promised=promised, measured=measured, verdict="effective",
                  why="the server shows the mechanism at work")


def speculation_effect(method: str, delta: MetricsDelta | None) -> Effect:
    """Speculative decoding with `method`, from the /metrics delta of the run with it on."""
    option = f"speculative={method}"
    promised = "several tokens per target step: lower TPOT and more tokens/s at low concurrency"
    if delta is None or delta.spec_decode_num_draft_tokens <= 0:
        return Effect(option=option, promised=promised, measured="no draft tokens proposed",
                      verdict="not measurable here",
                      why="the server's /metrics counted no speculative drafts")
    measured = (f"{delta.spec_decode_num_accepted_tokens:,.0f} of "
                f"{delta.spec_decode_num_draft_tokens:,.0f} draft tokens accepted "
                f"({delta.spec_decode_acceptance_rate:.1%}), mean accepted length "
                f"{delta.spec_decode_mean_acceptance_length:.2f}")
    if delta.spec_decode_num_accepted_tokens < MIN_ACCEPTED_TOKENS:
        return Effect(option=option, promised=promised, measured=measured, verdict="no effect",
                      why="no draft token was accepted: every step emits one token, as without")
    return Effect(option=option, promised=promised, measured=measured, verdict="effective",
                  why="the server shows the mechanism at work")
