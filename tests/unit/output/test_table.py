import pandas as pd
import pytest

from llmopt.demo.grader import Answer
from llmopt.errors import ConfigError
from llmopt.output import output_table

GOOD = '{"intent": "cancel", "order_id": "123456", "action": "cancel", "amount": 29}'


def test_the_table_counts_cut_answers_their_tokens_and_malformed_ones():
    frame = pd.DataFrame({
        "setting": ["none"] * 3 + ["tight"] * 3,
        "finish_reason": ["stop", "stop", "length", "length", "stop", "length"],
        "output_tokens": [30, 32, 512, 20, 18, 20],
        "correct": [True, True, False, False, True, False],
        "text": [GOOD, GOOD, GOOD + " runs on", GOOD[:20], GOOD, GOOD[:20]],
        "tpot_s": [0.01, 0.02, 0.03, 0.01, 0.01, 0.01]})
    runs = {name: rows.drop(columns="setting") for name, rows in frame.groupby("setting")}
    table = output_table(runs, Answer)
    assert list(table.index) == ["none", "tight"]
    assert table["wasted_tokens"].tolist() == [512, 40]
    assert table.loc["tight", "cut_share"] == pytest.approx(2 / 3)
    assert table["malformed_share"].tolist() == pytest.approx([1 / 3, 2 / 3])
    assert table.loc["none", "accuracy"] == pytest.approx(2 / 3)
    assert table.loc["none", "tpot_ms_p50"] == pytest.approx(20)
    with pytest.raises(ConfigError, match="finish_reason"):
        output_table({"none": frame.drop(columns="finish_reason")}, Answer)
