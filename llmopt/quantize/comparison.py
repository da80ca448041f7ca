"""The comparison of served variants against the unquantized baseline: one table of size,
load time, speed, latency, quality and self-hosting $/1M tokens, and the decision rows.

Cost is self-hosting cost: the profile's GPU at its hourly price serving the throughput each
variant reached (on the demo profile, the CPU server's throughput priced as that GPU: the
arithmetic is real, the figures a simulation). An API charges per token whatever the weights,
so quantization only changes what self-hosting costs.
"""

from __future__ import annotations

import pandas as pd

from llmopt.bench import Pair
from llmopt.errors import ConfigError
from llmopt.evidence import Decision, compare_runs, decide, not_run
from llmopt.pricing import cost_per_million_tokens
from llmopt.quantize.served import ServedRun

COLUMNS = ["setting", "served", "quantization", "weights_mb", "size_vs_baseline", "startup_s",
           "requests", "failed", "output_tokens_per_s", "total_tokens_per_s", "ttft_s_p50",
           "latency_s_p50", "accuracy_easy", "accuracy_hard", "accuracy", "usd_per_million_tokens",
           "error"]


def table(runs: list[ServedRun], usd_per_hour: float,
          baseline: str = "unquantized") -> pd.DataFrame:
    """One row per variant, the baseline's first; variants that did not start keep their row."""
    base = _baseline(runs, baseline)
    rows = [_row(run, base, usd_per_hour) for run in runs]
    return pd.DataFrame(rows, columns=COLUMNS)


def decisions(runs: list[ServedRun], pairs: dict[str, Pair], *, usd_per_hour: float,
              in_flight: int, budget_points: float, baseline: str = "unquantized",
              technique: str = "quantization") -> list[Decision]:
    """Every served variant against the baseline it was interleaved with (`pairs`, from
    `served.compare`): quality paired by request, cost = self-hosting $/1M tokens at the
    measured throughput, latency = p50 end-to-end, each with its interval. A variant that was
    not served is inconclusive here, with the reason (measure it where it runs)."""
    _baseline(runs, baseline)
    return [decide(technique, run.setting,
                   compare_runs(pairs[run.setting].baseline.frame(),
                                pairs[run.setting].candidate.frame(), cost="throughput",
                                latency="latency_s", usd_per_hour=usd_per_hour,
                                in_flight=in_flight), budget_points=budget_points)
            if run.served else
            not_run(technique, run.setting, f"not served: {run.error or 'unknown error'}",
                    budget_points)
            for run in runs if run.setting != baseline]


def _baseline(runs: list[ServedRun], baseline: str) -> ServedRun:
    for run in runs:
        if run.setting == baseline:
            if not run.served:
                raise ConfigError(f"the baseline {baseline!r} did not start: {run.error}")
            return run
    raise ConfigError(f"no baseline {baseline!r} among {', '.join(r.setting for r in runs)}")


def _row(run: ServedRun, base: ServedRun, usd_per_hour: float) -> dict:
    s = run.summary
    tokens_per_s = s.get("total_tokens_per_s")
    cost = cost_per_million_tokens(tokens_per_s, usd_per_hour) if tokens_per_s else None
    return {"setting": run.setting, "served": run.served, "quantization": run.quantization,
            "weights_mb": run.weights_bytes / 1e6,
            "size_vs_baseline": run.weights_bytes / base.weights_bytes
            if base.weights_bytes else None,
            "startup_s": run.startup_s, "requests": s.get("requests"), "failed": s.get("failed"),
            "output_tokens_per_s": s.get("output_tokens_per_s"), "total_tokens_per_s": tokens_per_s,
            "ttft_s_p50": s.get("ttft_s_p50"), "latency_s_p50": s.get("latency_s_p50"),
            "accuracy_easy": s.get("accuracy_easy"), "accuracy_hard": s.get("accuracy_hard"),
            "accuracy": s.get("accuracy"), "usd_per_million_tokens": cost, "error": run.error}
