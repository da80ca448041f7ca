"""Speculative decoding against none: per-load rows, where it stops paying, a chart, and greedy
outputs compared request by request. Pure functions of bench results and their evidence."""

from __future__ import annotations

import altair as alt
import pandas as pd

from llmopt.bench import Pair
from llmopt.errors import ConfigError
from llmopt.evidence import Evidence
from llmopt.report.records import require_columns
from llmopt.report.reuse import stage_metrics


def table(pairs: dict[str, dict[int, Pair]], evidence: dict[tuple[str, int], Evidence]
          ) -> pd.DataFrame:
    """One row per method and load: the server's draft counters over the method's rounds, TPOT
    and output tokens/s of the method and of no speculation (measured beside it, interleaved),
    and the speed-up (no speculation's cost per token over the method's, from the throughput
    of the same requests) with its 95% interval; `pays` when the interval lies above 1."""
    rows = []
    for (method, concurrency), found in evidence.items():
        pair = pairs[method][concurrency]
        cost, candidate = found.cost, pair.candidate
        delta = stage_metrics(candidate, candidate.stages[0].stage)
        base_row, row = pair.baseline.summary().iloc[0], candidate.summary().iloc[0]
        rows.append({"method": method, "concurrency": concurrency, "requests": row["requests"],
                     "failed": row["failed"], "tpot_s_p50_none": base_row["tpot_s_p50"],
                     "tpot_s_p50": row["tpot_s_p50"],
                     "output_tokens_per_s_none": base_row["output_tokens_per_s"],
                     "output_tokens_per_s": row["output_tokens_per_s"],
                     "speedup": 1 / cost.ratio, "speedup_low": 1 / cost.high,
                     "speedup_high": 1 / cost.low, "pays": cost.direction == "better",
                     "accuracy_none": base_row["accuracy"], "accuracy": row["accuracy"],
                     "draft_tokens": delta.spec_decode_num_draft_tokens,
                     "accepted_tokens": delta.spec_decode_num_accepted_tokens,
                     "acceptance_rate": delta.spec_decode_acceptance_rate,
                     "mean_accepted_length": delta.spec_decode_mean_acceptance_length})
    return pd.DataFrame(rows)


def crossover(table: pd.DataFrame, method: str) -> int | None:
    """The lowest measured load at which `method` no longer pays beyond noise (its speed-up
    interval reaches 1); None when it pays at every load measured."""
    require_columns(table, ["method", "concurrency", "pays"], "speculation crossover")
    rows = table[table["method"] == method].sort_values("concurrency")
    if rows.empty:
        raise ConfigError(f"no rows of method {method!r}; have: "
                          f"{', '.join(sorted(set(table['method'])))}")
    stops = rows.loc[~rows["pays"].astype(bool), "concurrency"]
    return int(stops.iloc[0]) if len(stops) else None


def crossovers(table: pd.DataFrame) -> pd.DataFrame:
    """Per method: its speed-ups with their intervals at each load, and where it stops paying
    (the lowest load whose interval reaches 1; None where it pays at every load measured)."""
    rows = []
    for method in dict.fromkeys(table["method"]):
        mine = table[table["method"] == method].sort_values("concurrency")
        stops = crossover(table, method)
        speeds = ", ".join(f"{r.concurrency}: {r.speedup:.2f}x [{r.speedup_low:.2f}, "
                           f"{r.speedup_high:.2f}]" for r in mine.itertuples())
        verdict = (f"stops paying at {stops} in flight" if stops is not None else
                   f"pays at every load measured (up to {mine['concurrency'].max()})")
        rows.append({"method": method, "speed-up by load": speeds, "crossover": stops,
                     "verdict": verdict})
    return pd.DataFrame(rows).set_index("method")


def chart(table: pd.DataFrame, label: str = "") -> alt.LayerChart:
    """Speed-up over no speculation (1.0 = break-even) with its 95% interval against the load,
    a line per method; where a line's interval reaches the rule, speculation stops paying."""
    require_columns(table, ["method", "concurrency", "speedup", "speedup_low", "speedup_high"],
                    "speculation chart")
    x = alt.X("concurrency:Q", scale=alt.Scale(type="log", base=2), title="requests in flight")
    base = alt.Chart(table).encode(x=x, color=alt.Color("method:N", title="speculation"))
    lines = base.mark_line(point=True).encode(
        y=alt.Y("speedup:Q", title="output tokens/s vs no speculation"),
        tooltip=["method:N", "concurrency:Q", alt.Tooltip("speedup:Q", format=".2f"),
                 alt.Tooltip("speedup_low:Q", format=".2f"),
                 alt.Tooltip("speedup_high:Q", format=".2f")])
    bars = base.mark_errorbar().encode(y="speedup_low:Q", y2="speedup_high:Q")
    rule = alt.Chart().mark_rule(strokeDash=[4, 4]).encode(y=alt.datum(1.0))
    title = alt.Title("Where speculation stops paying", subtitle=label) if label else alt.Title(
        "Where speculation stops paying")
    return alt.layer(lines, bars, rule).properties(width=420, height=240, title=title)


def compare_outputs(base: pd.DataFrame, candidate: pd.DataFrame) -> dict:
    """Greedy answers of the same requests (bench frames: `id`, `text`, `status`) compared by
    id: how many are identical and which differ (ids, sorted). Failed requests are left out."""
    require_columns(base, ["id", "text", "status"], "output comparison")
    require_columns(candidate, ["id", "text", "status"], "output comparison")
    left = base[base["status"] == "ok"].drop_duplicates("id").set_index("id")["text"]
    right = candidate[candidate["status"] == "ok"].drop_duplicates("id").set_index("id")["text"]
    shared = sorted(set(left.index) & set(right.index))
    mismatched = [i for i in shared if left[i] != right[i]]
    return {"compared": len(shared), "identical": len(shared) - len(mismatched),
            "mismatched_ids": mismatched}
