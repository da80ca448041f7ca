import pytest
from pydantic import ValidationError

from llmopt.bench import ConstantProfile


def test_arrivals_are_evenly_spaced_from_zero() -> None:
    profile = ConstantProfile(rate=4.0, max_requests=5)
    assert profile.arrivals(5) == pytest.approx([0.0, 0.25, 0.5, 0.75, 1.0])
    assert (profile.target_rate, profile.slots(), profile.label) == (4.0, None, "constant@4/s")


@pytest.mark.parametrize("rate", [0, -1.5, float("nan"), float("inf")])
def test_rate_must_be_a_positive_finite_number(rate) -> None:
    with pytest.raises(ValidationError, match="rate"):
        ConstantProfile(rate=rate, max_requests=3)


def test_max_concurrency_caps_the_open_loop() -> None:
    assert ConstantProfile(rate=1, max_requests=2, max_concurrency=3).slots() == 3
