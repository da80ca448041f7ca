import pytest

from llmopt.errors import ConfigError
from llmopt.output import cap_from_lengths


def test_the_cap_is_the_p99_plus_the_margin_rounded_up():
    lengths = [30] * 197 + [40, 40, 200]  # one runaway in two hundred
    assert cap_from_lengths(lengths) == 50  # p99 (the value at or above it) is 40; x1.25
    assert cap_from_lengths(lengths, quantile=1.0, margin=0.0) == 200
    assert cap_from_lengths(lengths, quantile=0.5, margin=0.1) == 33
    assert cap_from_lengths([0, 0]) == 1


@pytest.mark.parametrize(("lengths", "kwargs", "match"), [
    ([], {}, "at least one"), ([3, -1], {}, "finite and >= 0"),
    ([3, float("nan")], {}, "finite"), ([3], {"quantile": 0}, "quantile"),
    ([3], {"quantile": 1.5}, "quantile"), ([3], {"margin": -0.1}, "margin"),
])
def test_bad_lengths_and_settings_are_named(lengths, kwargs, match):
    with pytest.raises(ConfigError, match=match):
        cap_from_lengths(lengths, **kwargs)
