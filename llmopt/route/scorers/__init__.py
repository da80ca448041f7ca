"""Scorers that decide a request's tier before it is answered, and the cascade's checks."""

from llmopt.route.scorers.base import Scorer, request_text
from llmopt.route.scorers.cascade import (
    Cascade,
    Check,
    LogprobCheck,
    SchemaCheck,
    mean_logprob,
    token_logprobs,
)
from llmopt.route.scorers.early_stop import EarlyStop
from llmopt.route.scorers.embedding import EmbeddingScorer
from llmopt.route.scorers.heuristic import HeuristicConfig, HeuristicScorer

__all__ = ["Cascade", "Check", "EarlyStop", "EmbeddingScorer", "HeuristicConfig",
           "HeuristicScorer", "LogprobCheck", "SchemaCheck", "Scorer", "mean_logprob",
           "request_text", "token_logprobs"]
