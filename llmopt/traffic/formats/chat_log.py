"""The chat log: one JSON object per line, a chat request with its response and usage. It is
the shape gateway and tracing exports (LiteLLM, Langfuse, Helicone, a team's own logging) map
to, and LiteLLM's own records (its StandardLoggingPayload, its spend logs) import as they are.

    {"id": "req-1", "timestamp": "2025-05-01T12:00:00Z", "model": "gpt-4o-mini",
     "messages": [{"role": "system", "content": "..."}, {"role": "user", "content": "..."}],
     "response": "the answer" | {an OpenAI chat completion object},
     "usage": {"prompt_tokens": 812, "completion_tokens": 64,
               "prompt_tokens_details": {"cached_tokens": 768}},
     "status": "ok", "tags": ["support"], "user": "u-17", "metadata": {...}}

Accepted field names, the first one present wins:

    id                 id, request_id (LiteLLM spend log)                         required
    messages           messages: chat messages, content text or text parts        required
    timestamp          timestamp, startTime (LiteLLM), created_at: ISO 8601 or Unix seconds
    model              model, response.model
    response           response: text, or a chat completion (choices[0].message.content)
    prompt_tokens      usage.prompt_tokens, prompt_tokens (LiteLLM), response.usage.prompt_tokens
    completion_tokens  usage.completion_tokens, completion_tokens (LiteLLM),
                       response.usage.completion_tokens
    cached tokens      usage.prompt_tokens_details.cached_tokens, usage.cache_read_input_tokens,
                       response.usage.prompt_tokens_details.cached_tokens,
                       metadata.usage_object.prompt_tokens_details.cached_tokens (LiteLLM),
                       metadata.usage_object.cache_read_input_tokens (LiteLLM)
    status             status: ok/success or error/failure (LiteLLM); without it, a line with
                       an error message is an error
    error              error (text, or an object with `message`), error_str (LiteLLM),
                       metadata.error_information.error_message (LiteLLM spend log)
    tags               tags, request_tags (LiteLLM), metadata.tags: a list of strings or one
                       comma-separated string
    user               user, end_user (LiteLLM)
    reference          reference: the fields a grader checks, where known

Other fields (metadata, costs, latencies) are read by nothing but `ImportOptions.keep_fields`.
"""

from __future__ import annotations

import json
from typing import Any

from llmopt.traffic.answer import RecordedAnswer
from llmopt.traffic.call import LoggedCall, conversation
from llmopt.traffic.fields import BadLine, at, count, first, label, moment, read, tag_list
from llmopt.traffic.formats.base import LogFormat, kept_fields, required_id

ID = ("id", "request_id")
TIMESTAMP = ("timestamp", "startTime", "created_at")
MODEL = ("model", "response.model")
PROMPT = ("usage.prompt_tokens", "prompt_tokens", "response.usage.prompt_tokens")
COMPLETION = ("usage.completion_tokens", "completion_tokens", "response.usage.completion_tokens")
CACHED = ("usage.prompt_tokens_details.cached_tokens", "usage.cache_read_input_tokens",
          "response.usage.prompt_tokens_details.cached_tokens",
          "metadata.usage_object.prompt_tokens_details.cached_tokens",
          "metadata.usage_object.cache_read_input_tokens")
ERROR = ("error", "error_str", "metadata.error_information.error_message")
TAGS = ("tags", "request_tags", "metadata.tags")
USER = ("user", "end_user")
STATUS = {"ok": "ok", "success": "ok", "error": "error", "failure": "error"}


class ChatLog(LogFormat):
    """A chat request per line with its response and usage (see the module docstring)."""

    name = "chat-log"
    shape = "a chat request per line: id, messages, response, usage (LiteLLM's field names too)"

    @classmethod
    def claims(cls, line: dict[str, Any]) -> bool:
        return "messages" in line and "custom_id" not in line

    def _parse(self, line: dict[str, Any], number: int) -> LoggedCall:
        name, value = first(line, ID)
        call_id = required_id(value, name)
        messages = line.get("messages")
        if not messages:
            raise BadLine("no messages logged (LiteLLM keeps them only with "
                          "`store_prompts_in_spend_logs: true`)")
        if not isinstance(messages, list) and "call_type" in line:
            raise BadLine(f"messages must be a list of chat messages; this is a "
                          f"{str(line['call_type'])[:40]!r} call (import chat completions only)")
        talk = conversation(messages)
        model = read(line, MODEL, label)
        when = read(line, TIMESTAMP, moment)
        reference = line.get("reference")
        if reference is not None and not isinstance(reference, dict):
            raise BadLine("reference must be a JSON object of the fields a grader checks")
        answer = RecordedAnswer(
            id=call_id, model=model, answer=_answer_text(line.get("response")),
            prompt_tokens=read(line, PROMPT, count),
            completion_tokens=read(line, COMPLETION, count),
            cached_prompt_tokens=read(line, CACHED, count),
            **_outcome(line), timestamp=when.isoformat() if when else None)
        return LoggedCall(id=call_id, line=number, conversation=talk, model=model,
                          timestamp=when, tags=read(line, TAGS, tag_list),
                          user=first(line, USER)[1], reference=reference,
                          kept=kept_fields(line, self.keep), answer=answer)


def _answer_text(response: Any) -> str | None:
    """The answer's text: the response itself when it is text; a chat completion's first
    choice; None where the log kept no response ({} or null)."""
    if response is None or isinstance(response, str):
        return response
    if not isinstance(response, dict):
        raise BadLine("response must be text or a chat completion object")
    choices = response.get("choices")
    if not choices:
        return None
    choice = choices[0] if isinstance(choices, list) else None
    if not isinstance(choice, dict):
        raise BadLine("response.choices must be a list of choices")
    content = at(choice, "message.content") if "message" in choice else choice.get("text")
    if content is not None and not isinstance(content, str):
        raise BadLine("response.choices[0].message.content must be text")
    return content


def _outcome(line: dict[str, Any]) -> dict[str, Any]:
    """status and error of a line."""
    error = first(line, ERROR)[1]
    if isinstance(error, dict):
        error = error.get("message") or error.get("error_message") or error
    if error is not None and not isinstance(error, str):
        error = json.dumps(error)
    logged = line.get("status")
    if logged is None:
        status = "error" if error else "ok"
    elif isinstance(logged, str) and logged.lower() in STATUS:
        status = STATUS[logged.lower()]
    else:
        raise BadLine(f"status must be one of {', '.join(STATUS)}, got {logged!r:.40}")
    if status == "error":
        return {"status": "error", "error": error or f"{logged} (no error message logged)"}
    return {"status": "ok"}
