"""The router explorer, driven without a browser, against calibrate's own numbers."""

import numpy as np
import pandas as pd
import pytest

from llmopt.route import calibrate
from llmopt.widgets.router_explorer import RouterExplorer


@pytest.fixture
def heldout() -> pd.DataFrame:
    score = np.linspace(0, 1, 21)
    return pd.DataFrame({"score": score, "cheap_correct": score < 0.5, "strong_correct": True,
                         "cheap_cost_usd": 1e-6, "strong_cost_usd": 1e-5})


def test_moving_the_threshold_follows_calibrate(heldout: pd.DataFrame) -> None:
    explorer = RouterExplorer(heldout, threshold=0.5, label="Demo world")
    assert explorer.point == calibrate.evaluate(heldout, 0.5)
    explorer.slider.value = 0.0
    assert explorer.point["share_strong"] == 1.0
    assert "100.0%" in explorer.lines["share_strong"].value
    assert explorer.point == calibrate.evaluate(heldout, 0.0)
    assert explorer.chart is not None and explorer.chart_output.outputs


def test_the_line_shows_dollars_per_million(heldout: pd.DataFrame) -> None:
    explorer = RouterExplorer(heldout, threshold=2.0)
    assert explorer.point["share_strong"] == 0.0  # above every score: all cheap
    assert "$1.00" in explorer.lines["usd_per_million_requests"].value
