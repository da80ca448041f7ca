"""Routing among model tiers as LangChain components: the router chat model, its scorers, the
fallback policy, a hard budget and the spend callback; calibration lives in `calibrate`."""

from llmopt.route.budget import Budget, BudgetExceeded, worst_case_usd
from llmopt.route.errors import (
    AllTiersFailed,
    EarlyStopped,
    ErrorClass,
    RouteError,
    StreamBroken,
    classify,
)
from llmopt.route.fallback import Attempt, Cooldown, FallbackPolicy
from llmopt.route.router import RouterChatModel
from llmopt.route.spend import SpendTracker
from llmopt.route.tier import Tier

__all__ = ["AllTiersFailed", "Attempt", "Budget", "BudgetExceeded", "Cooldown", "EarlyStopped",
           "ErrorClass",
           "FallbackPolicy", "RouteError", "RouterChatModel", "SpendTracker", "StreamBroken",
           "Tier", "classify", "worst_case_usd"]
