"""`SpendTracker`: a LangChain callback that prices every chat-model call from its usage and
attributes the spend by model and by tags (feature, tenant, ...).

Attach it where the calls are made (`config={"callbacks": [tracker], "metadata": {"feature":
"refunds", "tenant": "acme"}}`). A router's run is one call, priced under the name of the tier
that answered (its answer's `model_name`; the tiers are called without the caller's callbacks,
so nothing is counted twice). Other models are priced by llmopt.pricing.price_for under their
own name, through `prices` where the run's model name differs from the priced one (e.g.
{"demo-small": "demo:small"}); a call whose model has no price is kept with cost None and counted
in `unpriced`, never booked as $0.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

import pandas as pd
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.outputs import LLMResult

from llmopt.errors import ConfigError, LlmoptError
from llmopt.pricing.api import request_cost
from llmopt.pricing.demo import price_for
from llmopt.route.messages import answered_by
from llmopt.route.router import ROUTER_PROVIDER

ATTRIBUTES = ("feature", "tenant")
"""Metadata keys copied onto every spend row, besides the model."""


class SpendTracker(BaseCallbackHandler):
    """Rows of (model, feature, tenant, tokens, cost_usd); `by("tenant")` sums them."""

    def __init__(self, prices: Mapping[str, str] | None = None,
                 attributes: Sequence[str] = ATTRIBUTES) -> None:
        self.prices = dict(prices or {})
        self.attributes = tuple(attributes)
        self.rows: list[dict[str, Any]] = []
        self._runs: dict[UUID, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def on_chat_model_start(self, serialized: dict[str, Any], messages: Any, *, run_id: UUID,
                            metadata: dict[str, Any] | None = None, **kwargs: Any) -> None:
        metadata = metadata or {}
        model = None if metadata.get("ls_provider") == ROUTER_PROVIDER else str(
            metadata.get("ls_model_name") or (serialized or {}).get("name") or "")
        row = {"model": model, **{a: metadata.get(a) for a in self.attributes}}
        with self._lock:
            self._runs[run_id] = row

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        with self._lock:
            row = self._runs.pop(run_id, None)
        if row is None:
            return
        prompt, output = _usage(response)
        row["model"] = row["model"] or answered_by(response) or ""
        row |= {"prompt_tokens": prompt, "output_tokens": output,
                "cost_usd": self._cost(row["model"], prompt, output)}
        with self._lock:
            self.rows.append(row)

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        with self._lock:
            self._runs.pop(run_id, None)

    def _cost(self, model: str, prompt: int, output: int) -> float | None:
        try:
            price = price_for(self.prices.get(model, model))
        except LlmoptError:
            return None
        return request_cost(price, prompt, 0, output)

    @property
    def unpriced(self) -> int:
        return sum(r["cost_usd"] is None for r in self.rows)

    @property
    def total_usd(self) -> float:
        return float(sum(r["cost_usd"] or 0.0 for r in self.rows))

    def frame(self) -> pd.DataFrame:
        columns = ["model", *self.attributes, "prompt_tokens", "output_tokens", "cost_usd"]
        return pd.DataFrame(self.rows, columns=columns)

    def by(self, key: str) -> pd.DataFrame:
        """Calls, tokens and dollars per value of `key` (model or an attribute)."""
        valid = ["model", *self.attributes]
        if key not in valid:
            raise ConfigError(f"unknown spend key {key!r}; valid: {valid}")
        frame = self.frame().fillna({key: "(none)"})
        return frame.groupby(key, dropna=False).agg(
            calls=("model", "size"), prompt_tokens=("prompt_tokens", "sum"),
            output_tokens=("output_tokens", "sum"), cost_usd=("cost_usd", "sum")).reset_index()


def _usage(response: LLMResult) -> tuple[int, int]:
    for generations in response.generations:
        for generation in generations:
            usage = getattr(getattr(generation, "message", None), "usage_metadata", None)
            if usage:
                return usage.get("input_tokens", 0), usage.get("output_tokens", 0)
    usage = (response.llm_output or {}).get("token_usage") or {}
    return usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0)
