import pytest
from pydantic import ValidationError

from llmopt.bench import RequestRecord

from .records import record


@pytest.mark.parametrize("status", ["ok", "timeout", "error", "http_429", "http_500"])
def test_valid_statuses(status) -> None:
    assert record(status=status).ok is (status == "ok")


@pytest.mark.parametrize("status", ["OK", "http_5", "failed", ""])
def test_other_statuses_are_rejected(status) -> None:
    with pytest.raises(ValidationError, match="status"):
        record(status=status)


def test_round_trips_through_json() -> None:
    row = record(3, fields_ok=None, correct=None, cost_usd=None, cached_tokens=40)
    assert RequestRecord.model_validate_json(row.model_dump_json()) == row


def test_documented_columns_are_there() -> None:
    columns = ["id", "tier", "stage", "concurrency", "target_rate", "warmup", "scheduled_s",
               "start_s", "end_s", "ttft_s", "tpot_s", "itl_mean_s", "latency_s",
               "prompt_tokens", "cached_tokens", "output_tokens", "usage_source", "status",
               "error", "attempts", "text", "correct", "fields_ok", "cost_usd"]
    assert set(columns) <= set(RequestRecord.model_fields)
