"""Output caps: a `max_tokens` chosen from the output lengths a run measured, and what a cap
did to a run (answers it cut, the tokens spent on them, accuracy).

A cap bounds the cost of a runaway answer (one that never writes its end token) and makes a
budget's worst case finite; too tight a cap cuts good answers. The rule: the p99 of the
measured lengths plus a margin, so that about one answer in a hundred comes near the cap.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from llmopt.errors import ConfigError

CUT = "length"
"""The finish reason of an answer the cap cut (OpenAI and vLLM)."""


def cap_from_lengths(lengths: Iterable[int], quantile: float = 0.99,
                     margin: float = 0.25) -> int:
    """`max_tokens` for answers of these measured `lengths` (output tokens of complete answers):
    the `quantile` of the lengths (the observed value at or above it) times 1 + `margin`,
    rounded up."""
    values = np.asarray(list(lengths), dtype=float)
    if values.size == 0:
        raise ConfigError("cap_from_lengths needs at least one measured output length")
    if not np.all(np.isfinite(values)) or values.min() < 0:
        raise ConfigError(f"output lengths must be finite and >= 0, got {values.min():g} "
                          f"among {values.size}")
    if not 0 < quantile <= 1:
        raise ConfigError(f"quantile must lie in (0, 1], got {quantile!r}")
    if not margin >= 0:
        raise ConfigError(f"margin must be >= 0, got {margin!r}")
    top = float(np.quantile(values, quantile, method="higher"))
    return max(1, math.ceil(top * (1 + margin)))


def cap_effect(frame: pd.DataFrame, by: str = "setting") -> pd.DataFrame:
    """Per value of `by` (one bench run each): requests, answers the cap cut (share), output
    tokens per request, tokens spent on cut answers (wasted: a cut JSON answer is wrong) and
    accuracy. `frame` holds bench records: finish_reason, output_tokens, correct, status."""
    missing = {by, "finish_reason", "output_tokens", "correct"} - set(frame.columns)
    if missing:
        raise ConfigError(f"cap_effect needs the columns {sorted(missing)} of bench records")
    cut = frame["finish_reason"] == CUT
    rows = frame.assign(cut=cut, wasted=frame["output_tokens"].where(cut, 0))
    table = rows.groupby(by, sort=False).agg(
        requests=("cut", "size"), cut_share=("cut", "mean"),
        output_tokens=("output_tokens", "mean"), wasted_tokens=("wasted", "sum"),
        accuracy=("correct", "mean"))
    return table.astype({"wasted_tokens": int})
