"""Structured outputs: the server writes only text that fits a JSON schema (vLLM compiles the
schema into a grammar that masks every other token), so no answer is malformed and none runs
past its closing brace.

The request side is OpenAI's `response_format` JSON-schema path, which vLLM serves; LangChain
users get the same from `ChatOpenAI(...).with_structured_output(Model, method="json_schema")`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ValidationError

from llmopt.evidence.decision import Effect

SERVER_ARGS = ["--structured-outputs-config", json.dumps({"backend": "xgrammar"})]
"""The server flags for structured outputs here: xgrammar, the backend vLLM picks on GPU and
the one its CPU build runs, with free whitespace (the demo models write `{"intent": "cancel",
...}` with spaces, which `disable_any_whitespace` would forbid them)."""


def json_schema_format(model: type[BaseModel], name: str | None = None) -> dict[str, Any]:
    """The `response_format` request field that holds answers to `model`'s JSON schema."""
    return {"type": "json_schema",
            "json_schema": {"name": name or model.__name__, "strict": True,
                            "schema": model.model_json_schema()}}


def malformed(text: str, model: type[BaseModel]) -> bool:
    """True when `text` is not one JSON object that `model` accepts (nothing around it)."""
    try:
        model.model_validate_json(text.strip())
    except ValidationError:
        return True
    return False


def malformed_share(texts: Iterable[str], model: type[BaseModel]) -> float:
    """The share of `texts` that are malformed for `model` (0 when there are none)."""
    flags = [malformed(t, model) for t in texts]
    return sum(flags) / len(flags) if flags else 0.0


def structured_effect(free: Iterable[str], held: Iterable[str],
                      schema: type[BaseModel]) -> Effect:
    """Did the grammar change anything? Malformed answers without it (`free`) and with it
    (`held`), on the same requests: "no effect" where there was nothing to prevent."""
    before, after = malformed_share(free, schema), malformed_share(held, schema)
    measured = f"malformed answers {before:.1%} without the schema, {after:.1%} with it"
    if after > 0:
        return Effect(option="structured outputs", promised="no malformed answer",
                      measured=measured, verdict="harmful" if after > before else "no effect",
                      why="the server let malformed answers through: is the schema sent?")
    if before == 0:
        return Effect(option="structured outputs", promised="no malformed answer",
                      measured=measured, verdict="no effect",
                      why="the model wrote no malformed answer without it: nothing to prevent")
    return Effect(option="structured outputs", promised="no malformed answer",
                  measured=measured, verdict="effective", why="every malformed answer prevented")
