"""What each output setting did to the same requests: answers a cap cut and the tokens spent
on them, answers that are not one object of the schema, output tokens, accuracy and TPOT."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from pydantic import BaseModel

from llmopt.errors import ConfigError
from llmopt.output.structured import malformed

CUT = "length"
"""The finish reason of an answer the cap cut (OpenAI and vLLM)."""
NEEDED = ("finish_reason", "output_tokens", "correct", "text", "tpot_s")


def output_table(runs: Mapping[str, pd.DataFrame], schema: type[BaseModel]) -> pd.DataFrame:
    """Per setting (`runs`: its bench records, warm-up left out): requests, cut_share (the cap
    ended the answer), wasted_tokens (output tokens of cut answers: a cut JSON answer is
    wrong), output_tokens per request, malformed_share (not one `schema` object), accuracy and
    tpot_ms_p50."""
    frame = pd.concat({name: _measured(records) for name, records in runs.items()},
                      names=["setting", None])
    missing = set(NEEDED) - set(frame.columns)
    if missing:
        raise ConfigError(f"output_table needs the columns {sorted(missing)} of bench records")
    frame = frame.reset_index(level=0)
    cut = frame["finish_reason"] == CUT
    rows = frame.assign(cut=cut, wasted=frame["output_tokens"].where(cut, 0),
                        malformed=[malformed(t, schema) for t in frame["text"]],
                        tpot_ms=frame["tpot_s"] * 1e3)
    table = rows.groupby("setting", sort=False).agg(
        requests=("cut", "size"), cut_share=("cut", "mean"), wasted_tokens=("wasted", "sum"),
        output_tokens=("output_tokens", "mean"), malformed_share=("malformed", "mean"),
        accuracy=("correct", "mean"), tpot_ms_p50=("tpot_ms", "median"))
    return table.astype({"wasted_tokens": int})


def _measured(records: pd.DataFrame) -> pd.DataFrame:
    return records[~records["warmup"].astype(bool)] if "warmup" in records else records
