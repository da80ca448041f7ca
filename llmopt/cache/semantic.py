"""What the semantic caches share: a lookup is a hit when the nearest cached prompt of the same
tenant and the same model and generation parameters has cosine similarity >= `threshold`, in
MiniLM embeddings (llmopt.embed's shared encoder, the one the router uses). A LangChain chat
prompt is compared by its user messages (as the router's scorers read it: llmopt.embed.text),
within the slice of its system prompt and other messages. The nearest prompts are searched in
process by a `VectorIndex` (llmopt.cache.index: an exact scan of float16 copies while a
tenant's slice is small, an inverted-file index above `approximate_above` rows).

Two siblings store the entries: `FaissSemanticCache` in process, `RedisSemanticCache` in Redis
(each process searching a local mirror). Each implements `_nearest` and `_write`; the rest is
here. `nearest(prompt, llm_string)` returns (similarity, answer) without applying the threshold,
so one pass of lookups can be swept over thresholds afterwards.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from llmopt.cache.base import ResponseCache, dump_generations, load_generations
from llmopt.cache.index import APPROXIMATE_ABOVE, VectorIndex
from llmopt.embed import minilm
from llmopt.embed.text import prompt_parts
from llmopt.errors import ConfigError

Embedder = Callable[[Sequence[str]], np.ndarray]
"""Text to one float32 unit row per text: an `llmopt.embed.Embedder`, or any such function."""


@dataclass
class _Shelf:
    """One (tenant, llm_string) slice: its vector index plus its values, creation and last
    use, by row id."""

    index: VectorIndex
    values: list[str | None] = field(default_factory=list)
    created: list[float] = field(default_factory=list)
    used: list[float] = field(default_factory=list)
    live: int = 0


class SemanticCache(ResponseCache):
    """Base of the semantic caches: threshold, embedder, lookups and batched writes."""

    def __init__(self, namespace: str = "default", *, threshold: float = 0.9,
                 embedder: Embedder | None = None, ttl_s: float | None = None,
                 max_entries: int | None = None, cache_sampled: bool = False,
                 approximate_above: int = APPROXIMATE_ABOVE) -> None:
        if not 0.0 <= threshold <= 1.0:
            raise ConfigError(f"threshold={threshold!r} is not valid; use a cosine in [0, 1]")
        super().__init__(namespace, ttl_s=ttl_s, max_entries=max_entries,
                         cache_sampled=cache_sampled)
        self.threshold = threshold
        self.embed = embedder or minilm()
        self.approximate_above = approximate_above
        """Rows of one slice above which its index is approximate (llmopt.cache.index)."""

    def _new_index(self, d: int) -> VectorIndex:
        return VectorIndex(d, approximate_above=self.approximate_above)

    def nearest(self, prompt: str, llm_string: str = "",
                vector: np.ndarray | None = None) -> tuple[float, str | None]:
        """(cosine similarity, answer text) of the nearest live entry, whatever the threshold;
        (-1, None) when the tenant has none. `vector` skips embedding the prompt again."""
        sim, raw = self._nearest(*_compared(prompt, llm_string), vector)
        return sim, (load_generations(raw)[0].text if raw is not None else None)

    def put_many(self, prompts: Sequence[str], llm_string: str, texts: Sequence[str],
                 vectors: np.ndarray | None = None) -> None:
        """Store many answers at once (one embedding batch); `vectors` skips embedding."""
        from langchain_core.outputs import Generation

        if len(prompts) != len(texts):
            raise ConfigError(f"put_many got {len(prompts)} prompts and {len(texts)} texts; "
                              "give one text per prompt")
        if self._bypass(llm_string):
            return
        compared = [_compared(p, llm_string) for p in prompts]
        v = self.embed([text for text, _ in compared]) if vectors is None else vectors
        values = [dump_generations([Generation(text=t)]) for t in texts]
        for key in dict.fromkeys(k for _, k in compared):  # one write per slice, in order
            rows = [i for i, (_, k) in enumerate(compared) if k == key]
            self._count("writes", self._write([compared[i][0] for i in rows], key,
                                              [values[i] for i in rows], v[rows]))

    def _get(self, prompt: str, llm_string: str) -> str | None:
        sim, value = self._nearest(*_compared(prompt, llm_string), floor=self.threshold)
        return value if value is not None and sim >= self.threshold else None

    def _put(self, prompt: str, llm_string: str, value: str) -> bool:
        text, key = _compared(prompt, llm_string)
        return self._write([text], key, [value], self.embed([text])) == 1

    # -- backend --------------------------------------------------------------------------
    def _nearest(self, prompt: str, llm_string: str, vector: np.ndarray | None = None,
                 floor: float = -1.0) -> tuple[float, str | None]:
        """(similarity, stored value) of the nearest live entry; entries below `floor` may be
        skipped (the answer is then (-1, None))."""
        raise NotImplementedError

    def _write(self, prompts: Sequence[str], llm_string: str, values: Sequence[str],
               vectors: np.ndarray) -> int:
        """Store the values under their prompts' vectors; how many were stored."""
        raise NotImplementedError

    def _query(self, prompt: str, vector: np.ndarray | None) -> np.ndarray:
        q = self.embed([prompt]) if vector is None else vector.reshape(1, -1)
        return np.ascontiguousarray(q, dtype=np.float32)


def _compared(prompt: str, llm_string: str) -> tuple[str, str]:
    """(the text a prompt is compared by, the slice it is compared in): a LangChain chat
    prompt's user messages, in the slice of its model, parameters and other messages (a system
    prompt that differs is another slice); any other prompt as it is."""
    text, rest = prompt_parts(prompt)
    if not rest:
        return text, llm_string
    return text, f"{llm_string}\x00{hashlib.sha256(rest.encode()).hexdigest()[:16]}"
