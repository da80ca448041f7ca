"""LongLLMLingua: LLMLingua conditioned on the question.

The context is cut into its lines (the manual's paragraphs and rules); LongLLMLingua ranks
them by how much they help predict the question, keeps the best within the budget (in their
original order, those holding force-kept spans always), gives higher-ranked lines a larger
share of the tokens (`dynamic_ratio`), and keeps the tokens whose surprise depends most on the
question (contrastive perplexity, `condition_compare`). It runs once per request.
"""

from __future__ import annotations

from typing import Any

from llmopt.compress.base import Compressor, register
from llmopt.compress.llmlingua import rate_for, tagged
from llmopt.errors import ConfigError

QUESTION_HINT = "We can get the answer to this question in the given documents."
"""What llmlingua appends to the question when it ranks the context (its own wording)."""


def lines(context: str) -> list[str]:
    """The context's non-empty lines: the segments LongLLMLingua ranks."""
    return [line for line in context.split("\n") if line.strip()]


@register
class LongLLMLingua(Compressor):
    kind = "longllmlingua"
    question_aware = True

    def _compress(self, engine: Any, context: str, question: str, config: Any,
                  forced: list[str]) -> str:
        if not question.strip():
            raise ConfigError("LongLLMLingua needs the question (e.g. the user's ticket) to "
                              "condition on; got an empty question")
        segments = lines(context)
        rate = rate_for(engine, segments, config)
        if rate >= 1.0:
            return context
        result = engine.structured_compress_prompt(
            [tagged(s, config.force) for s in segments], question=question, rate=rate,
            iterative_size=config.iterative_size, rank_method="longllmlingua",
            condition_in_question="after", condition_compare=True, reorder_context="original",
            dynamic_context_compression_ratio=config.dynamic_ratio,
            context_budget=config.context_budget, concate_question=False)
        return result["compressed_prompt"]
