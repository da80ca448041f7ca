"""Speculation tables: where it stops paying, the chart, greedy outputs compared by id."""

import pandas as pd
import pytest

from llmopt.errors import ConfigError
from llmopt.report.speculation import chart, compare_outputs, crossover, speedup


def _table() -> pd.DataFrame:
    rows = [("none", 1, 10.0), ("none", 8, 60.0), ("none", 32, 120.0),
            ("ngram", 1, 15.0), ("ngram", 8, 62.0), ("ngram", 32, 100.0),
            ("draft_model", 1, 9.0), ("draft_model", 8, 50.0), ("draft_model", 32, 90.0)]
    return pd.DataFrame(rows, columns=["method", "concurrency", "output_tokens_per_s"])


def test_crossover_is_the_first_concurrency_where_speculation_stops_paying() -> None:
    assert crossover(_table(), "ngram") == 32
    assert crossover(_table(), "draft_model") == 1
    paying = _table().assign(output_tokens_per_s=lambda t: t["output_tokens_per_s"]
                             * t["method"].map({"none": 1, "ngram": 2, "draft_model": 2}))
    assert crossover(paying, "ngram") is None


def test_speedup_and_chart() -> None:
    table = speedup(_table())
    assert table.loc[table["method"] == "ngram", "speedup"].tolist() == pytest.approx(
        [1.5, 62 / 60, 100 / 120])
    spec = chart(_table(), label="Demo world").to_dict()
    assert spec["title"]["subtitle"] == "Demo world"


def test_missing_columns_are_named() -> None:
    with pytest.raises(ConfigError, match="lacks column"):
        crossover(_table().drop(columns="concurrency"), "ngram")


def test_compare_outputs_counts_identical_and_lists_mismatches() -> None:
    base = pd.DataFrame({"id": ["a", "b", "c", "d"], "text": ["1", "2", "3", "4"],
                         "status": ["ok", "ok", "ok", "http_500"]})
    spec = pd.DataFrame({"id": ["c", "b", "a", "d"], "text": ["3", "two", "1", "4"],
                         "status": ["ok"] * 4})
    assert compare_outputs(base, spec) == {"compared": 3, "identical": 2, "mismatched_ids": ["b"]}
