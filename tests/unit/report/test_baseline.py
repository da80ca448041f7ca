"""The baseline's figures from a sweep's records (numbers by hand)."""

import pytest

from llmopt.bench import BenchResult, StageRun
from llmopt.report.baseline import sweep_figures
from tests.unit.bench.records import record


def _stage(name: str) -> StageRun:
    return StageRun(stage=name, profile={}, session="s1", started_s=0.0, ended_s=1.0, sent=2)


def test_sync_is_the_first_stage_and_saturation_the_fastest() -> None:
    slow = [record(i, stage="synchronous", start_s=1000.0 + i, end_s=1001.0 + i,
                   ttft_s=0.3) for i in range(2)]
    fast = [record(i + 2, stage="concurrent@8", start_s=1000.0, end_s=1000.5, ttft_s=0.1,
                   tier="hard", correct=i == 0, cost_usd=0.003) for i in range(2)]
    result = BenchResult(records=slow + fast, stages=[_stage("synchronous"),
                                                      _stage("concurrent@8")])
    figures = sweep_figures(result)
    assert figures["ttft_s_p50_sync"] == pytest.approx(0.3) and figures["req_per_s_sync"] == 1.0
    assert figures["saturation_req_per_s"] == pytest.approx(4.0)  # 2 requests in 0.5 s
    assert figures["accuracy"] == 0.75 and figures["accuracy_by_tier"] == {"easy": 1.0,
                                                                            "hard": 0.5}
    assert figures["usd_per_request"] == pytest.approx((0.001 * 2 + 0.003 * 2) / 4)
    assert figures["requests"] == 4 and figures["failed"] == 0
