"""A replayed traffic sample for response-cache studies, from the demo world: fresh requests,
exact repeats, paraphrases (same facts, new wording: the same answer is right) and near misses
(same wording, one fact changed: the earlier answer is wrong), in stated shares.

Each row of `sample(...)` names its kind and the earlier request it echoes (`source`), so a
replay can grade a served answer against the new request's own reference.
"""

from __future__ import annotations

import random

from llmopt.demo import generator
from llmopt.errors import ConfigError
from llmopt.workload import WorkloadItem

KINDS = ("fresh", "repeat", "paraphrase", "near_miss")


def sample(n: int, *, repeat_share: float, paraphrase_share: float, near_miss_share: float,
           seed: int = 0, hard_share: float = 0.5) -> list[tuple[str, str | None, WorkloadItem]]:
    """`n` requests as (kind, source id or None, item), in replay order. The first request is
    always fresh (nothing to echo yet); echoes pick an earlier fresh request at random."""
    shares = {"repeat_share": repeat_share, "paraphrase_share": paraphrase_share,
              "near_miss_share": near_miss_share}
    for name, v in shares.items():
        if not 0.0 <= v <= 1.0:
            raise ConfigError(f"{name}={v!r} is not valid; use a share in [0, 1]")
    if sum(shares.values()) >= 1.0:
        raise ConfigError(f"repeat, paraphrase and near-miss shares sum to {sum(shares.values())}"
                          "; they must leave room for fresh requests (sum < 1)")
    if n < 1:
        raise ConfigError(f"n must be >= 1, got {n}")
    rng = random.Random(f"llmopt-cache-traffic-{seed}")
    fresh = iter(generator.generate(n, seed=seed, hard_share=hard_share))
    out: list[tuple[str, str | None, WorkloadItem]] = []
    originals: list[WorkloadItem] = []
    for i in range(n):
        r = rng.random()
        kind = ("fresh" if not originals or r >= sum(shares.values()) else
                "repeat" if r < repeat_share else
                "paraphrase" if r < repeat_share + paraphrase_share else "near_miss")
        if kind == "fresh":
            item = next(fresh)
            originals.append(item)
            out.append(("fresh", None, item))
            continue
        src = rng.choice(originals)
        if kind == "repeat":
            item = src.model_copy(update={"id": f"{src.id}-r{i}"})
        elif kind == "paraphrase":
            item = generator.paraphrases(src, 1, seed=i)[0]
        else:
            item = generator.near_misses(src, 1, seed=i)[0]
        out.append((kind, src.id, item))
    return out
