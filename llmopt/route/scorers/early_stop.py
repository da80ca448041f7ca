"""Early stop: a cascade that watches the cheap tier's answer as it streams and aborts it the
moment its token log-probabilities say it is going wrong, then asks the next tier. The
post-hoc cascade (LogprobCheck) pays for the whole doomed answer first; this pays only for the
tokens up to the abort.

The rule: abort at the first token where the mean log-probability of the last `window` tokens
falls below `min_logprob`. `calibrate` picks the threshold on a graded sample so that at most a
given share of the answers that were right would have been aborted (the false-abort rate).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from llmopt.errors import ConfigError


class EarlyStop(BaseModel):
    """Abort a streamed answer when the mean log-probability of its last `window` tokens falls
    below `min_logprob` (at most 0)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_logprob: float = Field(le=0, allow_inf_nan=False)
    window: int = Field(default=1, ge=1)

    def abort_at(self, logprobs: Sequence[float]) -> int | None:
        """How many tokens of an answer with these token log-probabilities are generated before
        the rule aborts it (the token that tripped it included), or None if it runs whole."""
        values = np.asarray(logprobs, dtype=float)
        if values.size < self.window:
            return None
        means = np.convolve(values, np.ones(self.window) / self.window, mode="valid")
        low = np.flatnonzero(means < self.min_logprob)
        return int(low[0]) + self.window if low.size else None

    def aborts(self, logprobs: Sequence[float]) -> bool:
        """True once the answer so far trips the rule (checked on its last window only)."""
        tail = logprobs[-self.window:]
        return len(tail) == self.window and float(np.mean(tail)) < self.min_logprob

    @classmethod
    def calibrate(cls, streams: Sequence[Sequence[float]], correct: Sequence[bool],
                  false_abort: float = 0.05, window: int = 1) -> EarlyStop:
        """The rule with the highest threshold that aborts at most `false_abort` of the sample's
        right answers (`streams`: each answer's token log-probabilities, `correct`: its grade).
        An answer is aborted when its lowest window mean is below the threshold."""
        if len(streams) != len(correct):
            raise ConfigError(f"{len(streams)} streams but {len(correct)} grades")
        lows = [lowest(s, window) for s, ok in zip(streams, correct, strict=True) if ok]
        lows = [v for v in lows if v is not None]
        if not lows:
            raise ConfigError("EarlyStop.calibrate needs right answers with at least `window` "
                              "tokens of log-probabilities")
        return cls(min_logprob=min(0.0, sparing(lows, false_abort)), window=window)

    def false_abort_rate(self, streams: Sequence[Sequence[float]],
                         correct: Sequence[bool]) -> float:
        """Share of the right answers among `streams` this rule aborts."""
        right = [s for s, ok in zip(streams, correct, strict=True) if ok]
        return sum(self.abort_at(s) is not None for s in right) / len(right) if right else 0.0


def lowest(logprobs: Sequence[float], window: int = 1) -> float | None:
    """The lowest mean log-probability over `window` consecutive tokens (None if shorter)."""
    values = np.asarray(logprobs, dtype=float)
    if values.size < window:
        return None
    return float(np.convolve(values, np.ones(window) / window, mode="valid").min())


def sparing(values: Sequence[float], share: float) -> float:
    """The threshold that at most `share` of `values` fall strictly below (the lowest ones; ties
    at the cut are spared): how a cascade's rule is fitted to a false-escalation rate."""
    if not 0 <= share < 1:
        raise ConfigError(f"the false-escalation share must lie in [0, 1), got {share!r}")
    ordered = sorted(float(v) for v in values)
    if not ordered:
        raise ConfigError("a threshold needs at least one value to spare")
    return ordered[int(np.floor(share * len(ordered)))]
