"""Per-request benchmark records, read the same way whatever their shape.

A record is the benchmark's pydantic model, any object with the per-request attributes, or a
dict with those keys. A missing field reads as None. A request counts as successful only when
its status is "ok" (a string, or an enum whose value is "ok"); every other status is a failure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

import pandas as pd

from llmopt.errors import ConfigError

RECORD_FIELDS = (
    "id", "tier", "stage", "concurrency", "target_rate", "warmup", "wasted", "start_s", "end_s",
    "ttft_s", "tpot_s", "itl_mean_s", "latency_s", "prompt_tokens", "cached_tokens",
    "output_tokens", "status", "correct", "cost_usd",
)
"""The per-request fields read here (of llmopt.bench.RequestRecord's; start_s and end_s are
Unix times)."""

OK_STATUS = "ok"

Outcome = Literal["warmup", "ok", "failed"]


def field(record: Any, name: str) -> Any:
    """`record[name]` for a mapping, else `record.name`; None where the record lacks it."""
    if isinstance(record, Mapping):
        return record.get(name)
    return getattr(record, name, None)


def status_text(value: Any) -> str:
    """A status as lower-case text: enums by their value, None as ""."""
    value = getattr(value, "value", value)
    return "" if _missing(value) else str(value).strip().lower()


def is_ok(status: Any) -> bool:
    """True for the status of a successful request."""
    return status_text(status) == OK_STATUS


def flag(value: Any) -> bool:
    """A yes/no field (warmup, correct) as a bool: None and NaN read as False."""
    return False if _missing(value) else bool(value)


def outcome(record: Any) -> Outcome:
    """Which counter a record adds to: warm-up first, then ok or failed by its status."""
    if flag(field(record, "warmup")):
        return "warmup"
    return "ok" if is_ok(field(record, "status")) else "failed"


def records_frame(records: Iterable[Any]) -> pd.DataFrame:
    """The records as a frame with the RECORD_FIELDS columns (missing where a record lacks
    one) and `status` as lower-case text."""
    rows = [{name: field(record, name) for name in RECORD_FIELDS} for record in records]
    frame = pd.DataFrame(rows, columns=list(RECORD_FIELDS))
    frame["status"] = frame["status"].map(status_text).astype(object)
    return frame


def measured(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows that are not warm-up requests (all rows when there is no `warmup` column)."""
    if "warmup" not in frame.columns:
        return frame
    return frame[~frame["warmup"].map(flag).astype(bool)]


def require_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    """ConfigError naming `what` and the columns `frame` lacks (and the ones it has)."""
    if not isinstance(frame, pd.DataFrame):
        raise ConfigError(f"{what}: expected a pandas DataFrame, got {type(frame).__name__}")
    if missing := [c for c in dict.fromkeys(columns) if c not in frame.columns]:
        raise ConfigError(f"{what}: the frame lacks column(s) {', '.join(missing)}; "
                          f"it has: {', '.join(map(str, frame.columns)) or 'none'}")


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)
