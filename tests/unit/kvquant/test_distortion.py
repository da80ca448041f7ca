import torch

from llmopt.kvquant import BF16, turboquant
from llmopt.kvquant.capture import LayerStates
from llmopt.kvquant.distortion import attention_error, layer_table, paper_check


def states(tokens=12, seed=0):
    g = torch.Generator().manual_seed(seed)
    return LayerStates(queries=torch.randn(4, tokens, 32, generator=g),
                       keys=torch.randn(2, tokens, 32, generator=g),
                       values=torch.randn(2, tokens, 32, generator=g))


def test_exact_keys_and_values_give_no_attention_error():
    s = states()
    assert attention_error(s, s.keys, s.values) == {"score_error": 0.0, "attention_tv": 0.0,
                                                    "output_error": 0.0}
    noisy = attention_error(s, s.keys + 0.3 * torch.randn_like(s.keys), s.values)
    assert noisy["score_error"] > 0 and 0 < noisy["attention_tv"] < 1


def test_layer_table_shows_kept_layers_unchanged_and_the_rest_moved():
    texts = [[states(seed=t * 10 + layer) for layer in range(4)] for t in range(2)]
    table = layer_table(turboquant(3, boundary=1), texts)
    assert table["kept"].tolist() == [True, False, False, True]
    assert (table.loc[table["kept"], "key_error"] == 0).all()
    assert (table.loc[~table["kept"], "key_error"] > 0.02).all()
    assert (layer_table(BF16, texts)["output_error"] == 0).all()


def test_paper_check_reports_every_width_with_a_bias_interval():
    table = paper_check(dim=64, n=3000)
    assert table.index.tolist() == [1, 2, 3, 4]
    assert table["mse_measured"].is_monotonic_decreasing
    assert (table["prod_bias_low"] < table["prod_bias"]).all()
    assert (table["prod_bias"] < table["prod_bias_high"]).all()
