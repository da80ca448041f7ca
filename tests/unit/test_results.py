import pandas as pd
import pytest

from llmopt import results
from llmopt.errors import ConfigError


def test_dict_and_frame_round_trip(tmp_path):
    results.save(tmp_path, "a", {"x": 1})
    frame = pd.DataFrame({"model": ["large", "small"], "accuracy": [0.9, 0.5]})
    results.save(tmp_path, "b", frame)
    assert results.load(tmp_path, "a") == {"x": 1}
    pd.testing.assert_frame_equal(results.frame(tmp_path, "b"), frame)


def test_missing_result_lists_what_is_there(tmp_path):
    results.save(tmp_path, "00_demo_world", {"x": 1})
    with pytest.raises(ConfigError, match="have: 00_demo_world"):
        results.load(tmp_path, "01_baseline")
