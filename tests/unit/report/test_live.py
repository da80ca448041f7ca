import enum
from types import SimpleNamespace

import pandas as pd
import pytest
from pydantic import BaseModel

from llmopt.report.live import running_frame, running_stats
from llmopt.report.records import outcome, records_frame


class Status(enum.StrEnum):
    OK = "ok"
    ERROR = "error"


class Record(BaseModel):
    id: str
    tier: str = "easy"
    stage: str = "c1"
    warmup: bool = False
    latency_s: float | None = None
    ttft_s: float | None = None
    output_tokens: int = 0
    status: Status = Status.OK
    correct: bool | None = None
    cost_usd: float = 0.0


def test_records_of_any_shape_read_alike() -> None:
    records = [Record(id="a", status=Status.ERROR), {"id": "b", "status": "OK"},
               SimpleNamespace(id="c", status="ok", warmup=True)]
    frame = records_frame(records)
    assert frame["id"].tolist() == ["a", "b", "c"]
    assert frame["status"].tolist() == ["error", "ok", "ok"]
    assert frame["tier"].iloc[0] == "easy" and frame["tier"].iloc[1:].isna().all()
    assert [outcome(r) for r in records] == ["failed", "ok", "warmup"]


def test_running_stats_by_hand(requests: pd.DataFrame) -> None:
    stats = running_stats(requests.to_dict("records"), elapsed_s=10.0)
    # measured ok latencies: ids 2..10 -> 0.3 .. 1.1 s; median 0.7
    assert stats["latency_s_p50"] == pytest.approx(0.7)
    assert stats["latency_s_p90"] == pytest.approx(1.02)
    assert stats["ttft_s_p50"] == pytest.approx(0.05)
    assert {k: stats[k] for k in ["done", "warmup", "ok", "failed", "graded"]} == {
        "done": 12, "warmup": 2, "ok": 9, "failed": 1, "graded": 10}
    assert stats["accuracy"] == pytest.approx(0.5)
    assert stats["output_tokens"] == 900
    assert stats["output_tokens_per_s"] == pytest.approx(90.0)
    assert stats["req_per_s"] == pytest.approx(0.9)  # successful requests
    assert stats["cost_usd"] == pytest.approx(0.010)  # failed requests are billed too
    assert stats["stage"] == "c4"


def test_throughput_over_the_records_own_times() -> None:
    records = [{"start_s": 100.0, "end_s": 101.0, "status": "ok", "output_tokens": 30,
                "warmup": True},
               {"start_s": 102.0, "end_s": 104.0, "status": "ok", "output_tokens": 40},
               {"start_s": 103.0, "end_s": 106.0, "status": "ok", "output_tokens": 20},
               {"start_s": 103.0, "end_s": 105.0, "status": "timeout", "output_tokens": 5}]
    stats = running_stats(records, elapsed_s=1000.0)
    assert stats["duration_s"] == 4.0  # 102 to 106: the warm-up request is left out
    assert stats["output_tokens_per_s"] == pytest.approx(60 / 4)
    assert stats["req_per_s"] == pytest.approx(2 / 4)


def test_running_stats_of_one_stage() -> None:
    records = [Record(id="a", stage="c1", latency_s=1.0), Record(id="b", stage="c8",
                                                                  latency_s=5.0)]
    assert running_stats(records, stage="c1")["latency_s_p50"] == 1.0
    assert running_stats(records, stage="c8")["done"] == 1


def test_running_stats_of_nothing() -> None:
    stats = running_stats([])
    assert stats["done"] == 0 and stats["accuracy"] is None
    assert stats["latency_s_p50"] is None and stats["output_tokens_per_s"] is None
    assert stats["stage"] is None


def test_running_frame_tracks_the_median_of_successes() -> None:
    records = [Record(id="w", warmup=True, latency_s=9.0), Record(id="a", latency_s=1.0),
               Record(id="b", latency_s=3.0), Record(id="c", status=Status.ERROR),
               Record(id="d", latency_s=2.0)]
    frame = running_frame(records)
    assert frame["n"].tolist() == [1, 2, 3, 4]
    assert frame["running_p50_latency_s"].tolist() == [1.0, 2.0, 2.0, 2.0]
    assert frame["status"].tolist() == ["ok", "ok", "error", "ok"]


def test_running_median_restarts_with_each_stage() -> None:
    records = [Record(id="a", stage="c1", latency_s=1.0), Record(id="b", stage="c8",
                                                                  latency_s=5.0),
               Record(id="c", stage="c8", latency_s=7.0)]
    assert running_frame(records)["running_p50_latency_s"].tolist() == [1.0, 5.0, 6.0]
