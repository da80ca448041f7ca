"""`BenchResult`: the records and stage runs of a benchmark, as tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ConfigDict

from llmopt.bench import summary
from llmopt.bench.record import RequestRecord, StageRun
from llmopt.bench.store import read_jsonl, stages_path


class BenchResult(BaseModel):
    """What `run` measured: one record per request, one stage run per stage and session."""

    model_config = ConfigDict(extra="forbid")

    records: list[RequestRecord] = []
    stages: list[StageRun] = []
    path: Path | None = None
    """The JSONL file the records were written to, if any."""
    notes: list[str] = []
    """Things a reader should know (a stage without any success, a sweep cut short, ...)."""

    @classmethod
    def load(cls, path: str | Path) -> BenchResult:
        """Read a results file (and its `.stages.jsonl` beside it, when there is one)."""
        path = Path(path)
        side = stages_path(path)
        stages = read_jsonl(side, StageRun) if side.is_file() else []
        return cls(records=read_jsonl(path, RequestRecord), stages=stages, path=path)

    def frame(self) -> pd.DataFrame:
        """One row per request, the record's fields as columns."""
        rows = [r.model_dump() for r in self.records]
        return pd.DataFrame(rows, columns=list(RequestRecord.model_fields))

    def summary(self) -> pd.DataFrame:
        """One row per stage: counts, throughput, latency percentiles, accuracy, cost and the
        token check against the server's counters (see `llmopt.bench.summary`)."""
        return summary.summarize(self.frame(), self.stages)

    def headline(self) -> pd.DataFrame:
        """The summary's main columns (`summary.HEADLINE`), where present."""
        table = self.summary()
        return table[[c for c in summary.HEADLINE if c in table.columns]]
