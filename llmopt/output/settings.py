"""The output settings a pilot compares on one server, as Endpoint fields (max_tokens,
extra_body): the same requests under each, against no cap."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from llmopt.output.structured import json_schema_format

BASELINE = "no cap"
JSON_END = {"stop": ["}"], "include_stop_str_in_output": True}
"""Stop at the first closing brace and keep it: the end of a flat JSON object (vLLM's
`include_stop_str_in_output`; OpenAI drops the stop string, so add the brace back there)."""


def output_settings(cap: int, tight: int, schema: type[BaseModel]) -> dict[str, dict[str, Any]]:
    """No cap (the baseline: the server lets an answer run to the end of the context), the
    answer's JSON schema enforced, the cap chosen from measured lengths, too tight a cap, and a
    stop sequence at the JSON's closing brace."""
    return {BASELINE: {"max_tokens": None},
            "schema": {"max_tokens": None,
                       "extra_body": {"response_format": json_schema_format(schema)}},
            f"cap {cap}": {"max_tokens": cap},
            f"tight cap {tight}": {"max_tokens": tight},
            "stop at }": {"max_tokens": None, "extra_body": JSON_END}}
