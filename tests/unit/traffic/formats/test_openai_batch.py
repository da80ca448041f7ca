import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from llmopt.errors import ConfigError
from llmopt.traffic.formats.openai_batch import OpenAIBatch, parse_output
from tests.unit.traffic.logs import PROPERTY, batch_input, batch_output, json_values, mutations

PARSE = OpenAIBatch()


def test_an_input_line():
    call = PARSE.parse(batch_input(2, user="u-9"), "in.jsonl:1", 1)
    assert (call.id, call.model, call.user, call.answer) == ("req-2", "gpt-4o-mini", "u-9", None)
    assert (call.conversation.system, call.conversation.user) == ("policy", "question 2")
    assert PARSE.answer(call).status == "missing"


def test_output_lines_ok_error_and_http_error():
    ok = parse_output(batch_output(2), "out:1")
    assert (ok.id, ok.model, ok.answer, ok.prompt_tokens, ok.completion_tokens,
            ok.cached_prompt_tokens, ok.status) == ("req-2", "gpt-4o-mini-2024-07-18",
                                                    "answer 2", 102, 10, 32, "ok")
    assert ok.timestamp == "2025-05-01T00:02:00+00:00"
    failed = parse_output(batch_output(3, error={"code": "batch_expired",
                                                 "message": "not done in time"}), "out:2")
    assert (failed.status, failed.error) == ("error", "batch_expired: not done in time")
    overloaded = parse_output(batch_output(4, status_code=500), "out:3")
    assert (overloaded.status, overloaded.error) == ("error", "the model is overloaded")


@pytest.mark.parametrize("line, message", [
    (batch_input(1) | {"url": "/v1/embeddings"}, "url ./v1/embeddings.: only chat completions"),
    (batch_input(1) | {"body": "x"}, "body must be a JSON object"),
    (batch_input(1) | {"custom_id": ""}, "custom_id is missing"),
    (batch_input(1, messages=[{"role": "system", "content": "s"}]), "body.messages hold no user"),
])
def test_bad_input_lines(line, message):
    with pytest.raises(ConfigError, match=f"in.jsonl:4: {message}"):
        PARSE.parse(line, "in.jsonl:4", 4)


def test_bad_output_lines():
    with pytest.raises(ConfigError, match="out:2: an output line needs a `response`"):
        parse_output({"custom_id": "a", "response": None, "error": None}, "out:2")


BATCH_KEYS = ["custom_id", "method", "url", "body", "model", "messages", "role", "content",
              "user", "response", "error", "status_code", "choices", "message", "usage",
              "prompt_tokens", "completion_tokens", "prompt_tokens_details", "cached_tokens",
              "created", "code"]
OUTPUT_PATHS = ["custom_id", "error", "response", "response.status_code", "response.body",
                "response.body.choices", "response.body.model", "response.body.created",
                "response.body.usage", "response.body.usage.prompt_tokens",
                "response.body.usage.prompt_tokens_details", "response.body.error"]
ANY_OBJECT = st.dictionaries(st.sampled_from(BATCH_KEYS) | st.text(max_size=3),
                             json_values(BATCH_KEYS))


@PROPERTY
@given(ANY_OBJECT | mutations(batch_input(1), ["custom_id", "url", "body", "body.model",
                                               "body.messages", "body.user"], BATCH_KEYS))
def test_any_input_object_parses_or_is_a_config_error(line):
    with contextlib.suppress(ConfigError):
        PARSE.parse(line, "in:1", 1).item().model_dump_json()


@PROPERTY
@given(ANY_OBJECT | mutations(batch_output(1), OUTPUT_PATHS, BATCH_KEYS)
       | mutations(batch_output(2, status_code=500), OUTPUT_PATHS, BATCH_KEYS))
def test_any_output_object_parses_or_is_a_config_error(line):
    with contextlib.suppress(ConfigError):
        parse_output(line, "out:1").model_dump_json()
