"""LLMLingua-2: a token classifier (BERT-like) gives every word a keep probability; the words
above the rate's percentile stay. Task-agnostic: the question plays no part.

On the demo profile the classifier is the demo world's own (llmopt.compress.classifier); on
the gpu profile the published `microsoft/llmlingua-2-xlm-roberta-large-meetingbank`. Force-kept
spans go to llmlingua's `force_tokens` (at most 100 distinct ones per call).
"""

from __future__ import annotations

from typing import Any

from llmopt.compress.base import Compressor, register
from llmopt.errors import ConfigError

MAX_FORCE_TOKENS = 100
"""llmlingua's default `max_force_token`: the [NEWi] placeholders it adds to the tokenizer."""


@register
class LLMLingua2(Compressor):
    kind = "llmlingua2"

    def _compress(self, engine: Any, context: str, question: str, config: Any,
                  forced: list[str]) -> str:
        if len(forced) > MAX_FORCE_TOKENS:
            raise ConfigError(f"LLMLingua-2 keeps at most {MAX_FORCE_TOKENS} distinct forced "
                              f"strings per call; the force patterns found {len(forced)}")
        if config.rate is not None and config.rate >= 1.0:
            return context
        # longest first: llmlingua replaces each forced string in the text in list order
        tokens = sorted(forced, key=len, reverse=True)
        result = engine.compress_prompt(
            [context], rate=config.rate if config.rate is not None else 1.0,
            target_token=config.target_token if config.target_token is not None else -1,
            force_tokens=tokens, use_context_level_filter=False)
        return result["compressed_prompt"]
