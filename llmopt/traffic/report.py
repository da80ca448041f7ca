"""`ImportReport`: what an import did with every line, so that nothing is lost silently.

Every non-blank line of the log is counted once: imported, bad (skipped with `skip_bad`),
without a timestamp or outside the time window, without a wanted tag, or sampled out.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from llmopt.traffic.options import ImportOptions

MAX_EXAMPLES = 5
"""Bad lines whose message the report keeps (all of them are counted)."""


def report_path(workload: str | Path) -> Path:
    """Where an import's report goes: `traffic.jsonl` -> `traffic.import.json`."""
    workload = Path(workload)
    return workload.with_name(f"{workload.name.removesuffix('.jsonl')}.import.json")


class ImportReport(BaseModel):
    """The counts of one import (`llmopt.traffic.import_log`), returned, printed by
    `llmopt import` and saved as `<workload>.import.json`."""

    model_config = ConfigDict(extra="forbid")

    log: str
    format: str
    workload: str
    answers: str
    options: ImportOptions
    lines_read: int = 0
    imported: int = 0
    bad_lines: int = 0
    no_timestamp: int = 0
    """Lines left out by a time window because they carry no timestamp."""
    outside_window: int = 0
    not_tagged: int = 0
    sampled_out: int = 0
    ok: int = 0
    """Imported requests by the status of their logged answer: ok, error, missing."""
    errors: int = 0
    missing: int = 0
    multi_turn: int = 0
    """Imported requests with more than one turn (the others are in facts["turns"])."""
    batch_output: str | None = None
    output_lines_read: int = 0
    output_bad_lines: int = 0
    inputs_without_output: int = 0
    """Batch input lines (valid ones, sampled or not) whose custom_id no output line has."""
    outputs_without_input: int = 0
    """Batch output lines whose custom_id no input line has."""
    bad_examples: list[str] = []
    deidentified: dict[str, int] = {}
    """Each hashed or dropped field: the lines it was found in."""
    notes: list[str] = []

    @property
    def accounted(self) -> int:
        """Lines counted in exactly one outcome; equals `lines_read` (a test checks it)."""
        return (self.imported + self.bad_lines + self.no_timestamp + self.outside_window
                + self.not_tagged + self.sampled_out)

    @property
    def sample_fraction(self) -> float:
        """Imported requests over those the filters kept (1.0 without `sample`): the factor
        that scales the sample's cost back up to the traffic it was drawn from."""
        kept = self.imported + self.sampled_out
        return self.imported / kept if kept else 0.0

    def bad(self, message: str, output: bool = False) -> None:
        """Count a bad line (of the log, or of the Batch output file), keeping its message
        when few have been kept."""
        if output:
            self.output_bad_lines += 1
        else:
            self.bad_lines += 1
        if len(self.bad_examples) < MAX_EXAMPLES:
            self.bad_examples.append(message)

    def text(self) -> str:
        """The report as `llmopt import` prints it."""
        rows = [f"{self.log} ({self.format}): {self.lines_read:,} lines read",
                f"  imported          {self.imported:,} (ok {self.ok:,}, error {self.errors:,}, "
                f"missing answer {self.missing:,})"]
        for name in ("bad_lines", "no_timestamp", "outside_window", "not_tagged", "sampled_out"):
            if getattr(self, name):
                rows.append(f"  {name.replace('_', ' '):<17} {getattr(self, name):,}")
        if self.batch_output:
            rows.append(f"{self.batch_output}: {self.output_lines_read:,} output lines read, "
                        f"{self.output_bad_lines:,} bad; inputs without output "
                        f"{self.inputs_without_output:,}; outputs without input "
                        f"{self.outputs_without_input:,}")
        rows += [f"  de-identified {field}: found in {lines:,} lines"
                 for field, lines in self.deidentified.items()]
        rows += [f"bad line: {example}" for example in self.bad_examples]
        rows += [f"note: {note}" for note in self.notes]
        rows += [f"workload: {self.workload}", f"answers:  {self.answers}"]
        return "\n".join(rows)
