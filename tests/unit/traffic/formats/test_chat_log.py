"""The chat log, in its own field names and in LiteLLM's (a StandardLoggingPayload and a spend
log row import as they are)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from llmopt.errors import ConfigError
from llmopt.traffic.formats.chat_log import ChatLog
from tests.unit.traffic.logs import PROPERTY, chat_line, json_values, mutations

PARSE = ChatLog()

STANDARD_LOGGING_PAYLOAD = {  # LiteLLM's kwargs["standard_logging_object"], abridged
    "id": "chatcmpl-9", "trace_id": "t", "call_type": "acompletion", "response_cost": 0.0012,
    "status": "success", "total_tokens": 1320, "prompt_tokens": 1300, "completion_tokens": 20,
    "startTime": 1746100800.25, "endTime": 1746100801.0, "model": "gpt-4o",
    "model_group": "gpt-4o", "api_base": "https://api.openai.com/v1", "cache_hit": None,
    "request_tags": ["billing", "prod"], "end_user": "customer-42",
    "metadata": {"user_api_key_hash": "88dc", "user_api_key_team_id": "team-1",
                 "spend_logs_metadata": None, "requester_metadata": {}},
    "messages": [{"role": "system", "content": "You are support."},
                 {"role": "user", "content": "Refund order 17?"}],
    "response": {"id": "chatcmpl-9", "object": "chat.completion", "model": "gpt-4o-2024-08-06",
                 "choices": [{"index": 0, "finish_reason": "stop",
                              "message": {"role": "assistant", "content": "Yes, refunded."}}],
                 "usage": {"prompt_tokens": 1300, "completion_tokens": 20,
                           "prompt_tokens_details": {"cached_tokens": 1024}}},
    "error_str": None, "model_parameters": {"temperature": 0}, "hidden_params": {},
}
SPEND_LOG = {  # a LiteLLM_SpendLogs row (/spend/logs), prompts stored
    "request_id": "req-77", "call_type": "acompletion", "api_key": "88dc", "spend": 0.0004,
    "total_tokens": 530, "prompt_tokens": 500, "completion_tokens": 30,
    "startTime": "2025-05-01T10:00:00.000Z", "endTime": "2025-05-01T10:00:01.000Z",
    "model": "claude-3-5-haiku", "user": "u-1", "cache_hit": "False",
    "request_tags": ["search"], "status": "failure",
    "metadata": {"usage_object": {"prompt_tokens": 500, "cache_read_input_tokens": 256},
                 "error_information": {"error_code": "429", "error_class": "RateLimitError",
                                       "error_message": "rate limit reached"}},
    "messages": [{"role": "user", "content": "find it"}], "response": {},
}


def test_its_own_fields():
    call = PARSE.parse(chat_line(3), "log.jsonl:1", 1)
    assert (call.id, call.model, call.tags, call.user) == ("req-3", "gpt-4o-mini", ("odd",),
                                                           "user-0")
    assert call.timestamp.isoformat() == "2025-05-01T00:03:00+00:00"
    answer = call.answer
    assert (answer.answer, answer.prompt_tokens, answer.completion_tokens,
            answer.cached_prompt_tokens, answer.status) == ("answer 3", 103, 10, 64, "ok")


def test_a_litellm_standard_logging_payload_imports_as_is():
    call = PARSE.parse(STANDARD_LOGGING_PAYLOAD, "l:1", 1)
    assert (call.id, call.model, call.tags, call.user) == ("chatcmpl-9", "gpt-4o",
                                                           ("billing", "prod"), "customer-42")
    assert call.conversation.system == "You are support." and call.timestamp.year == 2025
    answer = call.answer
    assert (answer.answer, answer.prompt_tokens, answer.completion_tokens,
            answer.cached_prompt_tokens, answer.status) == ("Yes, refunded.", 1300, 20, 1024, "ok")


def test_a_litellm_spend_log_row_imports_as_is():
    call = PARSE.parse(SPEND_LOG, "l:1", 1)
    assert (call.id, call.tags, call.user) == ("req-77", ("search",), "u-1")
    answer = call.answer
    assert (answer.answer, answer.prompt_tokens, answer.cached_prompt_tokens, answer.status,
            answer.error) == (None, 500, 256, "error", "rate limit reached")


def test_errors_and_statuses():
    assert PARSE.parse(chat_line(1, error={"message": "boom"}), "l:1").answer.error == "boom"
    failed = PARSE.parse(chat_line(1, status="failure"), "l:1").answer
    assert failed.status == "error" and "no error message" in failed.error
    with pytest.raises(ConfigError, match="l:1: status must be one of"):
        PARSE.parse(chat_line(1, status="meh"), "l:1")


@pytest.mark.parametrize("fields, message", [
    ({"id": None}, "id is missing"),
    ({"messages": {}}, "no messages logged .*store_prompts_in_spend_logs"),
    ({"messages": "embed me", "call_type": "aembedding"}, "messages must be .*'aembedding' call"),
    ({"usage": {"prompt_tokens": -4}}, "usage.prompt_tokens must be a whole number"),
    ({"timestamp": "last tuesday"}, "timestamp must be an ISO 8601 time"),
    ({"response": 42}, "response must be text or a chat completion"),
    ({"reference": "yes"}, "reference must be a JSON object"),
])
def test_bad_lines_say_what_is_wrong(fields, message):
    with pytest.raises(ConfigError, match=f"log.jsonl:9: {message}"):
        PARSE.parse(chat_line(1, **fields), "log.jsonl:9", 9)


CHAT_KEYS = ["id", "request_id", "messages", "response", "usage", "timestamp", "startTime",
             "model", "tags", "request_tags", "status", "error", "error_str", "metadata",
             "user", "end_user", "reference", "prompt_tokens", "completion_tokens", "choices",
             "message", "content", "role", "text", "prompt_tokens_details", "cached_tokens",
             "usage_object", "error_information", "error_message", "call_type"]
MESSAGES = st.lists(st.fixed_dictionaries(
    {"role": st.sampled_from(["system", "user", "assistant"]) | json_values(CHAT_KEYS)},
    optional={"content": st.text(max_size=5) | json_values(CHAT_KEYS)}), max_size=3)


DEEP = ["id", "messages", "response", "response.choices", "response.model", "response.usage",
        "usage", "usage.prompt_tokens", "usage.prompt_tokens_details", "timestamp", "startTime",
        "model", "tags", "request_tags", "status", "error", "error_str", "user", "reference",
        "metadata", "metadata.usage_object", "metadata.error_information", "metadata.tags",
        "prompt_tokens", "completion_tokens"]


@PROPERTY
@given(st.dictionaries(st.sampled_from(CHAT_KEYS) | st.text(max_size=3), json_values(CHAT_KEYS))
       | st.fixed_dictionaries({"id": st.text(max_size=3) | st.integers(), "messages": MESSAGES},
                               optional={k: json_values(CHAT_KEYS) for k in CHAT_KEYS[3:]})
       | mutations(chat_line(1), DEEP, CHAT_KEYS)
       | mutations(STANDARD_LOGGING_PAYLOAD, DEEP, CHAT_KEYS))
def test_any_json_object_parses_or_is_a_config_error(line):
    try:
        call = PARSE.parse(line, "l:1", 1)
    except ConfigError:
        return
    call.item().model_dump_json()
    PARSE.answer(call).model_dump_json()
