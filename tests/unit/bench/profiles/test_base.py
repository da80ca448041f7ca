import pytest
from pydantic import ValidationError

from llmopt.bench import ConcurrentProfile, SynchronousProfile


def test_a_profile_needs_a_bound() -> None:
    with pytest.raises(ValidationError, match="max_requests and/or max_seconds"):
        SynchronousProfile()


@pytest.mark.parametrize("bounds", [{"max_requests": 0}, {"max_seconds": 0},
                                    {"max_seconds": -1.0}, {"max_seconds": float("inf")}])
def test_bounds_must_be_positive(bounds) -> None:
    with pytest.raises(ValidationError, match=next(iter(bounds))):
        SynchronousProfile(**bounds)


def test_warmup_must_leave_requests_to_measure() -> None:
    with pytest.raises(ValidationError, match=r"warmup \(5\) must be below max_requests \(5\)"):
        SynchronousProfile(max_requests=5, warmup=5)


def test_single_stage_profiles_are_their_own_one_stage() -> None:
    profile = ConcurrentProfile(concurrency=4, max_seconds=2.0)
    assert profile.next_stage([]) is profile and profile.next_stage([1.0]) is None
    assert (profile.label, profile.slots(), profile.target_rate) == ("concurrent@4", 4, None)
    assert profile.arrivals(3) is None


def test_unknown_fields_are_rejected() -> None:
    with pytest.raises(ValidationError, match="rate"):
        SynchronousProfile(max_requests=3, rate=2)
