"""`ResultsStore`: records and stage runs, appended to JSONL one line at a time.

`results.jsonl` holds one `RequestRecord` per line; `results.stages.jsonl` beside it one
`StageRun` per finished stage. Each line is written and synced to disk (fsync) before the
request counts as done, so an interrupted run keeps every request that finished; a line cut off
by the interruption (inside a character or not) is dropped when the files are read back, and
its request is sent again on resume.

The files are append-only unless told otherwise: a store on a file that already holds records
continues it (`existing="resume"`), starts it again (`"overwrite"`), or, by default on the
command line, refuses (`"refuse"`) and says how to choose.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ValidationError

from llmopt.bench.record import RequestRecord, StageRun
from llmopt.config import decoded
from llmopt.errors import ConfigError

Existing = Literal["resume", "overwrite", "refuse"]

M = TypeVar("M", bound=BaseModel)


def stages_path(path: str | Path) -> Path:
    """`results.jsonl` -> `results.stages.jsonl`."""
    path = Path(path)
    return path.with_name(f"{path.name.removesuffix('.jsonl')}.stages.jsonl")


class ResultsStore:
    """The records of a run, in memory and (with a path) on disk; `existing` says what to do
    with a file that already holds records (see the module's doc)."""

    def __init__(self, path: str | Path | None = None, existing: Existing = "resume") -> None:
        self.path = Path(path) if path is not None else None
        self.records: list[RequestRecord] = []
        self.stages: list[StageRun] = []
        if self.path is not None:
            self._open(self.path, existing)

    def _open(self, path: Path, existing: Existing) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        files = (path, stages_path(path))
        held = [f for f in files if f.is_file() and f.stat().st_size > 0]
        if held and existing == "refuse":
            raise ConfigError(f"{path} already holds an earlier run's results; choose: --resume "
                              "to continue it, --overwrite to start it again, or another --out")
        for file in files:
            if existing == "overwrite" or not file.exists():
                file.write_text("")
        self.records = read_jsonl(path, RequestRecord, repair=True)
        self.stages = read_jsonl(stages_path(path), StageRun, repair=True)

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
                os.fsync(file.fileno())  # on disk before the request counts as done

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
    a last line without its newline: kept when it is a whole row, else (an interrupted write,
    cut anywhere, inside a character too) dropped, and with `repair`, cut off the file, so that
    appending goes on cleanly."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"results file {path} does not exist")
    data = path.read_bytes()
    cut = data.rfind(b"\n") + 1
    rows = []
    text = decoded(data[:cut], f"results file {str(path)!r}")
    for number, line in enumerate(text.split("\n"), start=1):  # JSON may hold U+2028, U+0085
        if not line.strip():
            continue
        try:
            rows.append(model.model_validate_json(line))
        except ValidationError as error:
            raise ConfigError(f"{path}:{number}: not a {model.__name__}: {error}") from None
    tail = data[cut:]
    if tail.strip():
        try:
            rows.append(model.model_validate_json(tail))
        except ValidationError:  # an interrupted write: dropped, its request is sent again
            if repair:
                os.truncate(path, cut)
        else:
            if repair:  # a whole row without its newline gets one, so appends start afresh
                with path.open("ab") as file:
                    file.write(b"\n")
    return rows
