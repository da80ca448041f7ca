import pytest
from pydantic import ValidationError

from llmopt.bench import ConcurrentProfile


@pytest.mark.parametrize("concurrency", [0, -3])
def test_concurrency_below_one_is_rejected(concurrency) -> None:
    with pytest.raises(ValidationError, match=rf"concurrency\s.*input_value={concurrency}"):
        ConcurrentProfile(concurrency=concurrency, max_requests=3)


def test_closed_loop_with_n_slots() -> None:
    profile = ConcurrentProfile(concurrency=8, max_requests=3)
    assert (profile.slots(), profile.arrivals(3), profile.label) == (8, None, "concurrent@8")
