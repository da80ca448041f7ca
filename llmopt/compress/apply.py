"""Apply one compression setting to a workload: new items with the compressed system prompt.

The system prompt (the demo's manual) is the context; the user's message stays as it is.
Question-agnostic methods compress each distinct system prompt once (a shared prompt is
compressed once for every request); question-aware ones compress it per request, conditioned
on the request's user message.
"""

from __future__ import annotations

import statistics

from pydantic import BaseModel, ConfigDict

from llmopt.compress.base import Compressor
from llmopt.compress.result import Compression
from llmopt.errors import ConfigError
from llmopt.workload import WorkloadItem


class Compressed(BaseModel):
    """A workload after one setting, with the compressor calls that made it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str
    setting: str
    rate: float | None
    items: list[WorkloadItem]
    compressions: list[Compression]
    """One per distinct system prompt, or one per request (question-aware methods)."""
    per_request: bool
    """True when every request pays a compressor call before it is sent."""
    timings_s: list[float]
    """Seconds of every timed compressor call (a shared prompt is timed `repeats` times)."""

    @property
    def compressor_ms(self) -> float:
        """Median milliseconds of one compressor call."""
        return 1000 * statistics.median(self.timings_s)

    @property
    def missing(self) -> list[str]:
        """Force-kept strings lost by any call (empty when all survived)."""
        return sorted({m for c in self.compressions for m in c.missing})


def compress_items(compressor: Compressor, items: list[WorkloadItem], *,
                   rate: float | None = None, target_token: int | None = None,
                   repeats: int = 3) -> Compressed:
    """`items` with their system prompts compressed by one setting of `compressor`."""
    if not items:
        raise ConfigError("compress_items got no items")
    if repeats < 1:
        raise ConfigError(f"repeats must be >= 1, got {repeats}")
    setting = compressor.setting(rate, target_token)
    if compressor.question_aware:
        calls = [compressor.compress(i.system, i.user, rate=rate, target_token=target_token)
                 for i in items]
        done, timings = calls, [c.seconds for c in calls]
    else:
        done, timings, by_text = [], [], {}
        for system in dict.fromkeys(i.system for i in items):
            runs = [compressor.compress(system, rate=rate, target_token=target_token)
                    for _ in range(repeats)]
            by_text[system] = runs[0]
            done.append(runs[0])
            timings += [r.seconds for r in runs]
        calls = [by_text[i.system] for i in items]
    new_items = [i.model_copy(update={"system": c.compressed}) for i, c in zip(items, calls,
                                                                                 strict=True)]
    return Compressed(kind=compressor.kind, setting=setting.setting, rate=setting.rate,
                      items=new_items, compressions=done, per_request=compressor.question_aware,
                      timings_s=timings)
