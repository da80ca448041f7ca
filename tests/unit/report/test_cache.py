from __future__ import annotations

import pandas as pd
import pytest

from llmopt.cache import sweep
from llmopt.errors import ConfigError
from llmopt.report.cache import threshold_curves


def test_threshold_curves_draw_both_rates_and_the_choice() -> None:
    lookups = pd.DataFrame({"similarity": [1.0, 0.9, 0.95], "served_correct": [True, True, False],
                            "cost_usd": 1.0, "latency_s": 0.1})
    spec = threshold_curves(sweep.curve(lookups), chosen=0.96, label="Demo").to_dict()
    assert len(spec["layer"]) == 2 and spec["title"]["subtitle"] == "Demo"


def test_missing_columns_are_named() -> None:
    with pytest.raises(ConfigError, match="false_hit_rate"):
        threshold_curves(pd.DataFrame({"threshold": [1.0], "hit_rate": [0.5]}))
