import numpy as np
import pytest
from pydantic import ValidationError

from llmopt.bench import PoissonProfile


def test_arrivals_are_seeded_and_start_at_zero() -> None:
    a = PoissonProfile(rate=5.0, seed=3, max_requests=10).arrivals(50)
    assert a == PoissonProfile(rate=5.0, seed=3, max_requests=10).arrivals(50)
    assert a != PoissonProfile(rate=5.0, seed=4, max_requests=10).arrivals(50)
    assert a[0] == 0.0 and all(x < y for x, y in zip(a, a[1:], strict=False))


def test_gaps_are_exponential_with_mean_one_over_rate() -> None:
    gaps = np.diff(PoissonProfile(rate=5.0, max_requests=10).arrivals(20_001))
    assert gaps.mean() == pytest.approx(0.2, rel=0.03)
    assert gaps.std() == pytest.approx(0.2, rel=0.05)  # exponential: std == mean


def test_zero_rate_is_rejected_by_name() -> None:
    with pytest.raises(ValidationError, match="rate"):
        PoissonProfile(rate=0, max_requests=3)
