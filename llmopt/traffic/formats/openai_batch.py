"""OpenAI Batch API files: the input JSONL a team uploaded and, optionally, the output JSONL
it got back, joined by `custom_id`.

    input:  {"custom_id": "req-1", "method": "POST", "url": "/v1/chat/completions",
             "body": {"model": "gpt-4o-mini", "messages": [...], "user": "u-17", ...}}
    output: {"id": "batch_req_...", "custom_id": "req-1",
             "response": {"status_code": 200, "request_id": "...",
                          "body": {a chat completion: "model", "created", "choices", "usage"}},
             "error": null | {"code": "...", "message": "..."}}

Fields read. Input: `custom_id` (the item id), `url` (chat completions only), `body.messages`,
`body.model`, `body.user`. Output: `custom_id`; `error.message` or a `response.status_code`
other than 200 (with `response.body.error.message`) makes the answer an error; otherwise
`response.body.choices[0].message.content`, `response.body.model`, `response.body.created`
(the timestamp: Batch inputs carry none), `response.body.usage.prompt_tokens`,
`.completion_tokens` and `.prompt_tokens_details.cached_tokens`. Batch lines carry no tags.

An output line whose custom_id has no input line, and an input line without an output line,
are counted and reported (the latter is written with status `missing`); a custom_id twice in
one file is a bad line naming both line numbers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from llmopt.errors import ConfigError
from llmopt.traffic.answer import RecordedAnswer
from llmopt.traffic.call import LoggedCall, conversation
from llmopt.traffic.deidentification import Deidentifier
from llmopt.traffic.fields import BadLine, at, count, label, moment
from llmopt.traffic.formats.base import LogFormat, kept_fields, required_id
from llmopt.traffic.lines import read_line_at
from llmopt.workload import WorkloadItem

CHAT_URLS = ("/v1/chat/completions", "/chat/completions")


class BatchOutputs:
    """The output file's lines by custom_id: each line's byte offset (its answer is read again
    when its item is written, so the file is never held in memory) and, when a time window
    needs them, its creation time."""

    def __init__(self, path: Path, deidentify: Deidentifier | None = None,
                 times: bool = False) -> None:
        self.path, self.deidentify, self.times = path, deidentify, times
        self.offsets: dict[str, int] = {}
        self.created: dict[str, datetime] = {}
        """Creation times by custom_id (kept only with `times`)."""
        self._file: BinaryIO | None = None

    def add(self, line: dict[str, Any], number: int, offset: int) -> None:
        """Index one output line (a ConfigError naming the file and line when it is malformed
        or its custom_id is on an earlier line too)."""
        answer = parse_output(line, f"{self.path}:{number}")
        earlier = self.offsets.setdefault(answer.id, offset)
        if earlier != offset:
            raise ConfigError(f"{self.path}:{number}: custom_id {answer.id!r:.60} is on lines "
                              f"{self._line_number(earlier)} and {number}")
        if self.times and answer.timestamp:
            self.created[answer.id] = datetime.fromisoformat(answer.timestamp)

    def answer(self, custom_id: str) -> RecordedAnswer | None:
        offset = self.offsets.get(custom_id)
        if offset is None:
            return None
        if self._file is None:
            self._file = self.path.open("rb")
        line = read_line_at(self._file, offset)
        if self.deidentify is not None:
            line = self.deidentify.apply(line, count=False)
        return parse_output(line, f"{self.path} at byte {offset}")

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def _line_number(self, offset: int) -> int:
        """The number of the line starting at `offset` (for an error: counts the newlines)."""
        with self.path.open("rb") as lines:
            return 1 + sum(chunk.count(b"\n") for chunk in _chunks(lines, offset))


def _chunks(lines: BinaryIO, size: int, step: int = 1 << 20) -> Iterator[bytes]:
    while size > 0:
        chunk = lines.read(min(step, size))
        if not chunk:
            return
        size -= len(chunk)
        yield chunk


def parse_output(line: dict[str, Any], where: str) -> RecordedAnswer:
    """The answer one Batch output line records; a ConfigError starting with `where`
    (file:line) when it is not an output line, never another exception."""
    try:
        return _output_answer(line)
    except BadLine as problem:
        raise ConfigError(f"{where}: {problem}") from None


def _output_answer(line: dict[str, Any]) -> RecordedAnswer:
    """The answer one Batch output line records (BadLine when it is not an output line)."""
    custom_id = required_id(line.get("custom_id"), "custom_id")
    error, response = line.get("error"), line.get("response")
    if error:
        return RecordedAnswer(id=custom_id, status="error", error=_message(error))
    if not isinstance(response, dict):
        raise BadLine("an output line needs a `response` object or an `error`")
    body = response.get("body")
    body = body if isinstance(body, dict) else {}
    status_code = response.get("status_code")
    created = moment(body.get("created"), "response.body.created")
    model = label(body.get("model"), "response.body.model")
    stamp = created.isoformat() if created else None
    if status_code not in (None, 200):
        message = _message(body.get("error")) if body.get("error") else None
        return RecordedAnswer(id=custom_id, model=model, status="error", timestamp=stamp,
                              error=message or f"HTTP {str(status_code)[:20]}")
    return RecordedAnswer(
        id=custom_id, model=model, answer=_content(body), timestamp=stamp,
        prompt_tokens=_tokens(body, "usage.prompt_tokens"),
        completion_tokens=_tokens(body, "usage.completion_tokens"),
        cached_prompt_tokens=_tokens(body, "usage.prompt_tokens_details.cached_tokens"))


def _tokens(body: dict[str, Any], path: str) -> int | None:
    return count(at(body, path), f"response.body.{path}")


class OpenAIBatch(LogFormat):
    """An OpenAI Batch input file, joined with its output file when one is given."""

    name = "openai-batch"
    shape = "an OpenAI Batch input line: custom_id, method, url, body with model and messages"
    id_field = "custom_id"
    joins_outputs = True

    def __init__(self, keep: tuple[str, ...] = (), outputs: BatchOutputs | None = None) -> None:
        super().__init__(keep, outputs)
        self.outputs: BatchOutputs | None = outputs

    @classmethod
    def claims(cls, line: dict[str, Any]) -> bool:
        return "custom_id" in line and "body" in line

    @staticmethod
    def is_output(line: dict[str, Any]) -> bool:
        """Whether `line` looks like a Batch *output* line (given as the log by mistake)."""
        return "custom_id" in line and "body" not in line and ("response" in line
                                                               or "error" in line)

    def _parse(self, line: dict[str, Any], number: int) -> LoggedCall:
        custom_id = required_id(line.get("custom_id"), "custom_id")
        url = line.get("url")
        if url is not None and url not in CHAT_URLS:
            raise BadLine(f"url {str(url)[:60]!r}: only chat completions "
                          f"({CHAT_URLS[0]}) can be imported")
        body = line.get("body")
        if not isinstance(body, dict):
            raise BadLine("body must be a JSON object (the chat completion request)")
        talk = conversation(body.get("messages"), "body.messages")
        return LoggedCall(id=custom_id, line=number, conversation=talk,
                          model=label(body.get("model"), "body.model"),
                          timestamp=self.outputs.created.get(custom_id) if self.outputs
                          else None,
                          user=body.get("user"), kept=kept_fields(line, self.keep))

    def answer(self, call: LoggedCall) -> RecordedAnswer:
        answer = self.outputs.answer(call.id) if self.outputs else None
        if answer is None:
            return RecordedAnswer(id=call.id, model=call.model, status="missing")
        return answer.model_copy(update={"model": answer.model or call.model})

    def item(self, call: LoggedCall, answer: RecordedAnswer) -> WorkloadItem:
        """The item, timed by its output line (Batch input lines carry no time)."""
        if call.timestamp is None and answer.timestamp:
            call = replace(call, timestamp=datetime.fromisoformat(answer.timestamp))
        return call.item()


def _message(error: Any) -> str:
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        code = error.get("code")
        return f"{code}: {error['message']}" if isinstance(code, str) else error["message"]
    return error if isinstance(error, str) else str(error)[:500]


def _content(body: dict[str, Any]) -> str | None:
    choices = body.get("choices")
    if not choices:
        return None
    if not isinstance(choices, list) or not isinstance(choices[0], dict):
        raise BadLine("response.body.choices must be a list of choices")
    content = at(choices[0], "message.content")
    if content is not None and not isinstance(content, str):
        raise BadLine("response.body.choices[0].message.content must be text")
    return content


def check_output_log(path: Path, number: int, line: dict[str, Any]) -> None:
    """A ConfigError when the log given is a Batch output file (it needs its input)."""
    if OpenAIBatch.is_output(line):
        raise ConfigError(f"{path}:{number} is an OpenAI Batch output line; give the batch's "
                          "input file as the log and this file as the batch output "
                          "(--batch-output)")
