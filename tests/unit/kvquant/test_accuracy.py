import json
from types import SimpleNamespace

import pandas as pd
import pytest
from transformers import LlamaConfig

from llmopt.demo import generator
from llmopt.kvquant import BF16, KVScheme, QuantizerSpec, accuracy, turboquant

ITEMS = generator.generate(40, seed=0)
RIGHT = [json.dumps(i.reference) for i in ITEMS]


def test_the_table_says_within_beyond_or_inconclusive_on_the_interval():
    one_wrong = ["nope"] + RIGHT[1:]
    found = {BF16.name: RIGHT, "same": RIGHT, "all wrong": ["nope"] * len(ITEMS),
             "one wrong": one_wrong}
    schemes = [KVScheme(name=n, key=QuantizerSpec(kind="mse", bits=3))
               for n in found if n != "bf16"]
    table = accuracy.quality_table(ITEMS, found, schemes, budget_points=2.0, head_dim=32)
    assert table.loc["same", "budget"] == "within"
    assert table.loc["all wrong", "budget"] == "beyond"
    assert table.loc["one wrong", "budget"] == "inconclusive"  # 1 of 40: [-7.5, 0] straddles -2
    assert table.loc["same", "key_bits"] == 3.5 and table.loc["same", "value_bits"] == 16


@pytest.fixture
def counted(monkeypatch):
    calls = []

    def answers(model, tokenizer, items, scheme, batch_size=100):
        calls.append(scheme.name)
        return [scheme.name] * len(items)

    monkeypatch.setattr(accuracy, "answers", answers)
    return calls


def test_the_sweep_persists_as_it_goes_and_resumes_only_what_matches(tmp_path, counted):
    model = SimpleNamespace(config=LlamaConfig(num_hidden_layers=4))
    schemes = [turboquant(3), turboquant(3, boundary=2)]
    found = accuracy.sweep(model, None, ITEMS[:3], schemes, tmp_path, "m")
    # keeping every layer of a 4-layer model is the unquantized cache: its answers, no run
    assert counted == ["bf16", "turboquant 3-bit"]
    assert found["turboquant 3-bit (keep 2+2 layers)"] == found["bf16"] == ["bf16"] * 3
    accuracy.sweep(model, None, ITEMS[:3], schemes, tmp_path, "m")
    assert len(counted) == 2  # resumed: nothing ran again
    accuracy.sweep(model, None, ITEMS[:3], [turboquant(3, norm_correction=True)], tmp_path, "m")
    assert counted[2:] == ["turboquant 3-bit +NC"]
    accuracy.sweep(model, None, ITEMS[:3], schemes, tmp_path, "other model")
    assert counted[3:] == ["bf16", "turboquant 3-bit"]  # another model: nothing reused


def test_the_sentence_on_the_paper_follows_the_interval():
    table = pd.DataFrame({"delta_points": [-2.0, 1.7, -12.0, 0.3],
                          "interval": ["[-5.0, +1.0]", "[-1.3, +4.7]", "[-17.3, -8.0]", "[+0, +1]"],
                          "budget": ["inconclusive", "within", "beyond", "within"]},
                         index=["turboquant 3.5-bit", "turboquant 4-bit", "turboquant 3-bit",
                                "turboquant 3-bit +NC"])
    said = accuracy.against_paper(table, 2)
    assert said.startswith("cannot confirm the paper (no loss at 3.5 bits) on this sample: "
                           "-2.0 points [-5.0, +1.0] at 3.5 bits")
    assert said.endswith("the smallest width of the paper's scheme within it: 4-bit")
    beyond = table.assign(budget=["beyond", "beyond", "beyond", "within"])
    assert accuracy.against_paper(beyond, 2).startswith("disagrees with the paper")
    assert accuracy.against_paper(beyond, 2).endswith("holds it at no width measured")
    assert "not measured" in accuracy.against_paper(table.iloc[1:], 2)
