"""LLMLingua: a small causal LM scores every token of the context; the least surprising go.

Force-kept spans are marked `compress=False` with llmlingua's structured-prompt tags, so the
token-level filter keeps them. The question plays no part (see LongLLMLingua for that).
"""

from __future__ import annotations

from typing import Any

from llmopt.compress import force
from llmopt.compress.base import Compressor, register
from llmopt.errors import ConfigError


def tagged(text: str, patterns: tuple[str, ...]) -> str:
    """`text` in llmlingua's structured-prompt tags, forced spans marked compress=False."""
    if "<" in text:
        raise ConfigError("LLMLingua's structured prompts cannot hold '<' (its tag syntax); "
                          f"found in {text[:60]!r}... (use force=() or LLMLingua-2)")
    return "".join(f"<llmlingua, compress=False>{piece}</llmlingua>" if forced
                   else f"<llmlingua>{piece}</llmlingua>"
                   for piece, forced in force.segments(text, patterns))


def rate_for(engine: Any, texts: list[str], config: Any) -> float:
    """The config's rate, or its token budget over the texts' length in the model's tokens."""
    if config.target_token is None:
        return config.rate
    length = sum(engine.get_token_length(t, add_special_tokens=False) for t in texts)
    return min(1.0, config.target_token / max(1, length))


@register
class LLMLingua(Compressor):
    kind = "llmlingua"

    def _compress(self, engine: Any, context: str, question: str, config: Any,
                  forced: list[str]) -> str:
        rate = rate_for(engine, [context], config)
        if rate >= 1.0:
            return context
        result = engine.structured_compress_prompt(
            [tagged(context, config.force)], rate=rate, iterative_size=config.iterative_size,
            use_context_level_filter=False, concate_question=False)
        return result["compressed_prompt"]
