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
