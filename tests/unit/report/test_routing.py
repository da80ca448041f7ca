from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from llmopt.errors import ConfigError
from llmopt.report.routing import cost_quality
from llmopt.route import calibrate


def _graded() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    score = rng.random(50)
    return pd.DataFrame({"score": score, "cheap_correct": score < 0.5, "strong_correct": True,
                         "cheap_cost_usd": 1e-6, "strong_cost_usd": 1e-5})


def test_cost_quality_draws_the_curve_and_the_points():
    graded = _graded()
    spec = cost_quality(calibrate.curve(graded), calibrate.summary(graded, 0.5),
                        label="Demo world").to_dict()
    assert len(spec["layer"]) == 3
    assert spec["title"]["subtitle"] == "Demo world"


def test_missing_columns_are_named():
    with pytest.raises(ConfigError, match="usd_per_million_requests"):
        cost_quality(pd.DataFrame({"threshold": [1.0]}))
