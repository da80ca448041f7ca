"""`ResultsStore`: records and stage runs, appended to JSONL one line at a time.

`results.jsonl` holds one `RequestRecord` per line; `results.stages.jsonl` beside it one
`StageRun` per finished stage. Each line is written and flushed as soon as it exists, so an
interrupted run keeps every request that finished; a line cut off by the interruption is
dropped when the files are read back.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from llmopt.bench.record import RequestRecord, StageRun
from llmopt.errors import ConfigError

M = TypeVar("M", bound=BaseModel)


def stages_path(path: str | Path) -> Path:
    """`results.jsonl` -> `results.stages.jsonl`."""
    path = Path(path)
    return path.with_name(f"{path.name.removesuffix('.jsonl')}.stages.jsonl")


class ResultsStore:
    """The records of a run, in memory and (with a path) on disk.

    With `resume`, the files' records are read back and new lines are appended; without it,
    the files are started afresh.
    """

    def __init__(self, path: str | Path | None = None, resume: bool = True) -> None:
        self.path = Path(path) if path is not None else None
        self.records: list[RequestRecord] = []
        self.stages: list[StageRun] = []
        if self.path is not None:
            self._open(self.path, resume)

    def _open(self, path: Path, resume: bool) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        for file in (path, stages_path(path)):
            if not resume or not file.exists():
                file.write_text("")
        self.records = read_jsonl(path, RequestRecord, repair=True)
        self.stages = read_jsonl(stages_path(path), StageRun, repair=True)
        for file in (path, stages_path(path)):
            _end_with_newline(file)

    def append(self, record: RequestRecord) -> None:
        self.records.append(record)
        self._write(self.path, record)

    def add_stage(self, run: StageRun) -> None:
        self.stages.append(run)
        self._write(None if self.path is None else stages_path(self.path), run)

    def _write(self, path: Path | None, row: BaseModel) -> None:
        if path is not None:
            with path.open("a", encoding="utf-8") as file:
                file.write(row.model_dump_json() + "\n")
                file.flush()

    def of_stage(self, stage: str) -> list[RequestRecord]:
        return [r for r in self.records if r.stage == stage]

    def done_ids(self, stage: str) -> set[str]:
        """Item ids already recorded for `stage`: a resumed stage does not send them again."""
        return {r.id for r in self.of_stage(stage)}

    def finished(self, stage: str) -> bool:
        """True once a session ran `stage` to its end (its bound or its items)."""
        return any(s.stage == stage and s.finished for s in self.stages)


def read_jsonl(path: str | Path, model: type[M], *, repair: bool = False) -> list[M]:
    """Rows of `model`, one per line. A bad line is a ConfigError naming file and line, except
    a last line without its newline (an interrupted write): dropped, and with `repair`, cut off
    the file so that appending goes on cleanly."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"results file {path} does not exist")
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    rows = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            rows.append(model.model_validate_json(line))
        except ValidationError as error:
            if number == len(lines) and not text.endswith("\n"):
                _cut_partial_line(path, text, repair)
                break
            raise ConfigError(f"{path}:{number}: not a {model.__name__}: {error}") from None
    return rows


def _cut_partial_line(path: Path, text: str, repair: bool) -> None:
    if repair:
        os.truncate(path, len(text[: text.rfind("\n") + 1].encode("utf-8")))


def _end_with_newline(path: Path) -> None:
    """A last line kept without its newline gets one, so appended lines start on their own."""
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        with path.open("ab") as file:
            file.write(b"\n")
