"""Graded runs: both tiers' answers to the same requests, graded and priced, one row each.

The calibration frame `llmopt.route.calibrate` reads (plus the request `text`, read from its
chat messages as a scorer with the default `reads` reads them, and the workload `tier`); a
failed request is kept, scored wrong, with its cost NaN (no usage)
and `failed` set, never dropped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
from langchain_core.messages import convert_to_messages

from llmopt.completions import Completion
from llmopt.demo.grader import grade
from llmopt.errors import ConfigError
from llmopt.route.scorers.base import request_text
from llmopt.route.tier import Tier
from llmopt.workload import WorkloadItem


def graded_runs(items: Sequence[WorkloadItem], cheap: Sequence[Completion],
                strong: Sequence[Completion], cheap_tier: Tier,
                strong_tier: Tier) -> pd.DataFrame:
    """id, tier, text, cheap_/strong_ correct, cost_usd and failed, per request."""
    if not len(items) == len(cheap) == len(strong):
        raise ConfigError(f"items ({len(items)}), cheap ({len(cheap)}) and strong "
                          f"({len(strong)}) answers must line up one to one")
    rows = []
    for item, low, high in zip(items, cheap, strong, strict=True):
        if not item.id == low.id == high.id:
            raise ConfigError(f"answers out of order at request {item.id!r}: {low.id!r}, "
                              f"{high.id!r}")
        text = request_text(convert_to_messages(item.messages()))
        rows.append({"id": item.id, "tier": item.tier, "text": text,
                     **_side("cheap", item, low, cheap_tier),
                     **_side("strong", item, high, strong_tier)})
    return pd.DataFrame(rows)


def _side(prefix: str, item: WorkloadItem, answer: Completion, tier: Tier) -> dict:
    failed = answer.error is not None
    cost = (math.nan if failed or answer.prompt_tokens is None
            else tier.cost(answer.prompt_tokens, answer.completion_tokens or 0))
    correct = not failed and grade(answer.text, item.reference or {}).correct
    return {f"{prefix}_correct": correct, f"{prefix}_cost_usd": cost,
            f"{prefix}_failed": failed}


def one_tier(graded: pd.DataFrame, which: str, answers: Sequence[Completion]) -> pd.DataFrame:
    """The graded run as if every request went to tier `which` ("cheap" or "strong"): one row
    per request id with its workload `tier`, `correct`, `cost_usd` and `latency_s` (from that
    tier's `answers`), the baseline a routed run is compared with."""
    if which not in ("cheap", "strong"):
        raise ConfigError(f"which must be 'cheap' or 'strong', got {which!r}")
    latency = {a.id: a.latency_s for a in answers}
    return pd.DataFrame({"tier": graded["tier"].to_numpy(),
                         "correct": graded[f"{which}_correct"].to_numpy(),
                         "cost_usd": graded[f"{which}_cost_usd"].to_numpy(),
                         "latency_s": graded["id"].map(latency).to_numpy()},
                        index=graded["id"].to_numpy())
