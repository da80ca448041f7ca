"""`import_log`: a team's log in, a workload and its recorded answers out. The one place the
parts meet: lines are read one at a time, de-identified, parsed by the log's format, checked
for repeated ids, filtered (time window, tags), sampled (a reservoir), and written.

Outputs (written to temporary files, moved into place only when the import succeeds):
`<name>.jsonl` (workload items), `<name>.answers.jsonl` (`RecordedAnswer` rows, same order)
and `<name>.import.json` (the `ImportReport`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import IO

from llmopt.errors import ConfigError
from llmopt.traffic.answer import RecordedAnswer, answers_path
from llmopt.traffic.call import LoggedCall
from llmopt.traffic.deidentification import Deidentifier
from llmopt.traffic.formats import BatchOutputs, LogFormat, detect
from llmopt.traffic.lines import Line, read_lines
from llmopt.traffic.options import ImportOptions
from llmopt.traffic.report import ImportReport, report_path
from llmopt.traffic.reservoir import Reservoir
from llmopt.workload import WorkloadItem


def default_output(log: Path) -> Path:
    """Where a log's workload goes unless told: beside it, `<log name>.workload.jsonl`."""
    return log.with_name(f"{log.name.removesuffix('.jsonl')}.workload.jsonl")


def import_log(log: str | Path, options: ImportOptions | None = None, *,
               output: str | Path | None = None, batch_output: str | Path | None = None,
               environ: Mapping[str, str] | None = None) -> ImportReport:
    """Import `log` (an OpenAI Batch input file, with `batch_output` joined, or a chat log);
    write the workload to `output` with its answers and report beside it; return the report.
    Bad input is a ConfigError naming the file and line; so is an import left with no
    requests, naming the filter that removed them. `environ`: where `salt_env` is looked up
    (default os.environ)."""
    options = options or ImportOptions()
    log = Path(log)
    workload = Path(output) if output else default_output(log)
    outputs_file = Path(batch_output) if batch_output else None
    _check_targets(log, outputs_file, workload, options.overwrite)
    scrub, salt_note = Deidentifier.from_options(options, environ)
    kind = _detect(log, scrub, options.skip_bad)
    if outputs_file and not kind.joins_outputs:
        raise ConfigError(f"a batch output file is only for OpenAI Batch input logs; {log} is "
                          f"a {kind.name} log")
    report = ImportReport(log=str(log), format=kind.name, workload=str(workload),
                          answers=str(answers_path(workload)), options=options,
                          batch_output=str(outputs_file) if outputs_file else None)
    outputs = _index_outputs(outputs_file, scrub, options, report) if outputs_file else None
    seen: dict[str, int] = {}
    try:
        _write(kind(options.keep_fields, outputs), log, scrub, options, report, seen)
    finally:
        if outputs is not None:
            outputs.close()
    _finish(report, scrub, salt_note, outputs, seen)
    report_path(workload).write_text(report.model_dump_json(indent=1) + "\n")
    return report


def _write(log_format: LogFormat, log: Path, scrub: Deidentifier, options: ImportOptions,
           report: ImportReport, seen: dict[str, int]) -> None:
    calls = _calls(log, log_format, scrub, options, report, seen)
    with _Files(Path(report.workload), Path(report.answers)) as files:
        for call in _selected(calls, options, report):
            answer = log_format.answer(call)
            files.write(log_format.item(call, answer), answer)
            report.imported += 1
            setattr(report, _STATUS_COUNT[answer.status],
                    getattr(report, _STATUS_COUNT[answer.status]) + 1)
            report.multi_turn += bool(call.conversation.turns)
        if not report.imported:
            raise ConfigError(_nothing_left(report, options))


_STATUS_COUNT = {"ok": "ok", "error": "errors", "missing": "missing"}


def _calls(log: Path, log_format: LogFormat, scrub: Deidentifier, options: ImportOptions,
           report: ImportReport, seen: dict[str, int]) -> Iterator[LoggedCall]:
    """Each good line's call, in log order; bad lines stop the import, or are counted."""
    for line in read_lines(log):
        report.lines_read += 1
        try:
            call = _parsed(line, log, log_format, scrub)
            earlier = seen.setdefault(call.id, line.number)
            if earlier != line.number:
                raise ConfigError(f"{log}:{line.number}: {log_format.id_field} {call.id!r:.60} "
                                  f"is on lines {earlier} and {line.number}")
        except ConfigError as error:
            if not options.skip_bad:
                raise
            report.bad(str(error))
            continue
        yield call


def _parsed(line: Line, log: Path, log_format: LogFormat, scrub: Deidentifier) -> LoggedCall:
    where = f"{log}:{line.number}"
    if line.data is None:
        raise ConfigError(f"{where}: {line.problem}")
    return log_format.parse(scrub.apply(line.data), where, line.number)


def _selected(calls: Iterator[LoggedCall], options: ImportOptions, report: ImportReport
              ) -> Iterator[LoggedCall]:
    """The calls the filters keep, streamed; with `sample`, the reservoir's, in log order."""
    pool: Reservoir[LoggedCall] | None = (Reservoir(options.sample, options.seed)
                                          if options.sample else None)
    for call in calls:
        reason = options.excluded_by(call.timestamp, call.tags)
        if reason is not None:
            setattr(report, reason, getattr(report, reason) + 1)
        elif pool is None:
            yield call
        else:
            pool.offer(call)
    if pool is not None:
        report.sampled_out = pool.dropped
        yield from sorted(pool.items(), key=lambda call: call.line)


def _detect(log: Path, scrub: Deidentifier, skip_bad: bool) -> type[LogFormat]:
    """The log's format, from its first good line."""
    for line in read_lines(log):
        if line.data is not None:
            return detect(scrub.apply(line.data, count=False), f"{log}:{line.number}")
        if not skip_bad:
            raise ConfigError(f"{log}:{line.number}: {line.problem}")
    raise ConfigError(f"log file {log} holds no JSON lines")


def _index_outputs(path: Path, scrub: Deidentifier, options: ImportOptions,
                   report: ImportReport) -> BatchOutputs:
    outputs = BatchOutputs(path, scrub, times=options.windowed)
    for line in read_lines(path, "batch output"):
        report.output_lines_read += 1
        try:
            if line.data is None:
                raise ConfigError(f"{path}:{line.number}: {line.problem}")
            outputs.add(scrub.apply(line.data), line.number, line.offset)
        except ConfigError as error:
            if not options.skip_bad:
                raise
            report.bad(str(error), output=True)
    return outputs


def _finish(report: ImportReport, scrub: Deidentifier, salt_note: str | None,
            outputs: BatchOutputs | None, seen: dict[str, int]) -> None:
    report.deidentified = dict(scrub.found)
    report.notes += [f"{field} was found in no line: check its spelling (nothing was hashed "
                     "or dropped there)" for field in scrub.missing()]
    if salt_note:
        report.notes.append(salt_note)
    if outputs is not None:
        report.inputs_without_output = sum(1 for key in seen if key not in outputs.offsets)
        report.outputs_without_input = sum(1 for key in outputs.offsets if key not in seen)
    elif report.format == "openai-batch":
        report.notes.append("no batch output file given: every answer is missing (pass the "
                            "batch's output file to record its answers and tokens)")
    if report.multi_turn:
        report.notes.append(f"{report.multi_turn:,} requests have several turns: the item's "
                            "user is the last user message, the other turns are in "
                            "facts['turns']")


def _nothing_left(report: ImportReport, options: ImportOptions) -> str:
    """Why an import has no requests: which filter removed them."""
    log = report.log
    if not report.lines_read:
        return f"{log} holds no lines"
    if report.bad_lines == report.lines_read:
        return f"every line of {log} is bad ({report.bad_lines:,}; first: " \
               f"{report.bad_examples[0]})"
    removed = []
    window = report.outside_window + report.no_timestamp
    if window:
        since = options.since.isoformat() if options.since else "the start"
        until = options.until.isoformat() if options.until else "the end"
        hint = " (Batch input lines carry none: give the output file)" if (
            report.format == "openai-batch" and not report.batch_output) else ""
        removed.append(f"the time window [{since}, {until}) left out {window:,} lines "
                       f"({report.no_timestamp:,} without a timestamp{hint})")
    if report.not_tagged:
        removed.append(f"the tag filter ({', '.join(options.tags)}) left out "
                       f"{report.not_tagged:,} lines")
    return (f"no requests left to import from {log}: {'; '.join(removed)}; of "
            f"{report.lines_read:,} lines read, {report.bad_lines:,} bad")


def _check_targets(log: Path, batch_output: Path | None, workload: Path,
                   overwrite: bool) -> None:
    inputs = {log.resolve(), *([batch_output.resolve()] if batch_output else [])}
    for target in (workload, answers_path(workload), report_path(workload)):
        if target.resolve() in inputs:
            raise ConfigError(f"the output {target} would overwrite an input file; choose "
                              "another output")
        if target.exists() and not overwrite:
            raise ConfigError(f"{target} exists; pass overwrite (--overwrite) to replace it")


class _Files:
    """The workload and answers files, written under temporary names and moved into place
    only when the import succeeds (a failed import leaves no partial output)."""

    def __init__(self, workload: Path, answers: Path) -> None:
        self.final = (workload, answers)
        self.parts = tuple(path.with_name(f".{path.name}.part") for path in self.final)
        self._open: list[IO[str]] = []

    def __enter__(self) -> _Files:
        for part in self.parts:
            part.parent.mkdir(parents=True, exist_ok=True)
            self._open.append(part.open("w", encoding="utf-8"))
        return self

    def write(self, item: WorkloadItem, answer: RecordedAnswer) -> None:
        self._open[0].write(item.model_dump_json() + "\n")
        self._open[1].write(answer.model_dump_json() + "\n")

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        for handle in self._open:
            handle.close()
        for part, final in zip(self.parts, self.final, strict=True):
            if kind is None:
                os.replace(part, final)
            else:
                part.unlink(missing_ok=True)
