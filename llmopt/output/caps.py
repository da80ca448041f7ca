"""Output caps: a `max_tokens` chosen from the output lengths a run measured (what a cap did
to a run is in `llmopt.output.table`).

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


def would_cut(records: pd.DataFrame, cap: int) -> dict[str, float]:
    """What `max_tokens` = `cap` would have done to answers measured without a cap (bench records:
    `output_tokens`, `correct`; warm-up rows left out): the answers longer than the cap (it would
    end them, `finish_reason` "length"), their share, the right ones among them (a cut JSON
    answer is wrong, so each is a right answer lost) and the output tokens it would not write."""
    missing = {"output_tokens", "correct"} - set(records.columns)
    if missing:
        raise ConfigError(f"would_cut needs the columns {sorted(missing)} of bench records")
    if not cap >= 1:
        raise ConfigError(f"cap must be >= 1 token, got {cap!r}")
    if "warmup" in records:
        records = records[~records["warmup"].astype(bool)]
    if records.empty:
        raise ConfigError("would_cut needs at least one measured answer")
    cut = records["output_tokens"] > cap
    right = records["correct"].fillna(False).astype(bool)
    return {"max_tokens": int(cap), "answers": len(records), "answers_cut": int(cut.sum()),
            "cut_share": float(cut.mean()), "right_answers_cut": int((cut & right).sum()),
            "output_tokens_saved": int((records.loc[cut, "output_tokens"] - cap).sum())}
