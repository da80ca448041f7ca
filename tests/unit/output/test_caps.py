import pandas as pd
import pytest

from llmopt.errors import ConfigError
from llmopt.output import cap_effect, cap_from_lengths


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


def test_the_effect_counts_cut_answers_and_their_tokens():
    frame = pd.DataFrame({
        "setting": ["none"] * 3 + ["tight"] * 3,
        "finish_reason": ["stop", "stop", "length", "length", "stop", "length"],
        "output_tokens": [30, 32, 512, 20, 18, 20],
        "correct": [True, True, False, False, True, False]})
    table = cap_effect(frame)
    assert list(table.index) == ["none", "tight"]
    assert table.loc["none", "wasted_tokens"] == 512
    assert table.loc["tight", "wasted_tokens"] == 40
    assert table.loc["tight", "cut_share"] == pytest.approx(2 / 3)
    assert table.loc["none", "accuracy"] == pytest.approx(2 / 3)
    with pytest.raises(ConfigError, match="finish_reason"):
        cap_effect(frame.drop(columns="finish_reason"))
