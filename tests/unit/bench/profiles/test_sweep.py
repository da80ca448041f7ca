import pytest
from pydantic import ValidationError

from llmopt.bench import (
    ConcurrentProfile,
    ConstantProfile,
    PoissonProfile,
    SweepProfile,
    SynchronousProfile,
)


def test_stages_follow_the_measured_rates() -> None:
    sweep = SweepProfile(rates=3, saturation_concurrency=16, max_requests=20, warmup=2)
    first = sweep.next_stage([])
    assert isinstance(first, SynchronousProfile) and first.warmup == 2
    second = sweep.next_stage([1.0])
    assert isinstance(second, ConcurrentProfile) and second.concurrency == 16
    rates = [sweep.next_stage([1.0, 5.0, *[0.0] * k]).rate for k in range(3)]
    assert rates == pytest.approx([2.0, 3.0, 4.0])
    assert sweep.next_stage([1.0, 5.0, 2.0, 3.0, 4.0]) is None
    assert isinstance(sweep.next_stage([1.0, 5.0]), ConstantProfile)


def test_poisson_stages_get_their_own_seeds() -> None:
    sweep = SweepProfile(rates=2, arrivals="poisson", seed=7, max_seconds=5)
    stages = [sweep.next_stage([1.0, 4.0, *[0.0] * k]) for k in range(2)]
    assert all(isinstance(s, PoissonProfile) for s in stages)
    assert [s.seed for s in stages] == [7, 8] and stages[0].max_seconds == 5


def test_a_stage_without_a_rate_ends_the_sweep() -> None:
    sweep = SweepProfile(max_requests=5)
    assert sweep.next_stage([None, 3.0]) is None and sweep.next_stage([1.0, None]) is None


def test_bad_values_are_named() -> None:
    with pytest.raises(ValidationError, match="rates"):
        SweepProfile(rates=0, max_requests=5)
    with pytest.raises(ValidationError, match="saturation_concurrency"):
        SweepProfile(saturation_concurrency=1, max_requests=5)
