import pandas as pd
import pytest

from llmopt.errors import ConfigError
from llmopt.output import cap_from_lengths, would_cut


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


def test_would_cut_counts_the_longer_answers_the_right_ones_and_the_tokens():
    records = pd.DataFrame({"output_tokens": [10, 20, 30, 40, 99],
                            "correct": [True, True, False, True, None],
                            "warmup": [False, False, False, False, True]})
    got = would_cut(records, 20)  # the warm-up row is left out; an answer of exactly 20 tokens fits
    assert got == {"max_tokens": 20, "answers": 4, "answers_cut": 2, "cut_share": 0.5,
                   "right_answers_cut": 1, "output_tokens_saved": 10 + 20}
    assert would_cut(records, 40)["answers_cut"] == 0


@pytest.mark.parametrize(("records", "cap", "match"), [
    (pd.DataFrame({"output_tokens": [3]}), 5, "correct"),
    (pd.DataFrame({"output_tokens": [3], "correct": [True]}), 0, "cap"),
    (pd.DataFrame({"output_tokens": [3], "correct": [True], "warmup": [True]}), 5, "at least one"),
])
def test_would_cut_names_what_is_missing(records, cap, match):
    with pytest.raises(ConfigError, match=match):
        would_cut(records, cap)
