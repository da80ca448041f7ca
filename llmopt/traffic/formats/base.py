"""`LogFormat`: one kind of log, told apart by the content of its lines. A format parses one
line (already de-identified) into a `LoggedCall` and gives the answer recorded for a call."""

from __future__ import annotations

from typing import Any, ClassVar

from llmopt.errors import ConfigError
from llmopt.traffic.answer import RecordedAnswer
from llmopt.traffic.call import LoggedCall
from llmopt.traffic.fields import BadLine, at, label
from llmopt.workload import WorkloadItem


class LogFormat:
    """The base of the log formats (one per file in this folder)."""

    name: ClassVar[str]
    """The format's name in reports and errors."""
    shape: ClassVar[str]
    """What its lines look like, in a few words (for the error on a log in no known format)."""
    id_field: ClassVar[str] = "id"
    """The field its lines name their request by (in the error on a repeated id)."""
    joins_outputs: ClassVar[bool] = False
    """Whether its answers live in a separate output file (OpenAI Batch)."""

    def __init__(self, keep: tuple[str, ...] = (), outputs: Any = None) -> None:
        """`keep`: fields copied into each item's facts; `outputs`: the answers' own file, read
        only by a format that `joins_outputs` (OpenAIBatch: its BatchOutputs)."""
        self.keep, self.outputs = keep, outputs

    @classmethod
    def claims(cls, line: dict[str, Any]) -> bool:
        """Whether a log whose first line is `line` is in this format."""
        raise NotImplementedError

    def parse(self, line: dict[str, Any], where: str, number: int = 0) -> LoggedCall:
        """The call one line records; a ConfigError starting with `where` (file:line) and
        saying what is wrong otherwise, never another exception."""
        try:
            return self._parse(line, number)
        except BadLine as problem:
            raise ConfigError(f"{where}: {problem}") from None

    def _parse(self, line: dict[str, Any], number: int) -> LoggedCall:
        raise NotImplementedError

    def answer(self, call: LoggedCall) -> RecordedAnswer:
        """The answer recorded for `call` (by default, the one on its own line)."""
        if call.answer is None:
            return RecordedAnswer(id=call.id, model=call.model, status="missing")
        return call.answer

    def item(self, call: LoggedCall, answer: RecordedAnswer) -> WorkloadItem:
        """The workload item of `call`, whose recorded answer is `answer`."""
        return call.item()


def kept_fields(line: dict[str, Any], paths: tuple[str, ...]) -> dict[str, Any]:
    """The values of the fields an import keeps (`ImportOptions.keep_fields`), where present."""
    return {path: value for path in paths if (value := at(line, path)) is not None}


def required_id(value: Any, name: str) -> str:
    got = label(value, name)
    if not got:
        raise BadLine(f"{name} is missing (every request needs an id)")
    return got
