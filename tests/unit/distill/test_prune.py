import copy

import pytest
import torch
from safetensors.torch import save_file
from transformers import AutoTokenizer, LlamaForCausalLM

from llmopt.demo import assets, generator, prompt
from llmopt.distill.prune import (
    PruneRecord,
    channel_importance,
    layer_importance,
    parameters,
    prune_depth,
    prune_width,
    save_pruned,
    zero_share,
)
from llmopt.errors import ConfigError

TEXTS = [prompt.render(i.system, i.user) for i in generator.generate(3, seed=9)]


@pytest.fixture(scope="module")
def large():
    folder = assets.model_dir("large")
    return (LlamaForCausalLM.from_pretrained(folder, dtype=torch.float32).eval(),
            AutoTokenizer.from_pretrained(folder))


def test_depth_pruning_drops_the_layers_that_change_their_input_least(large):
    model, tokenizer = large
    importance = layer_importance(model, tokenizer, TEXTS)
    assert len(importance) == 4 and all(0 <= s <= 2 for s in importance)
    pruned, kept = prune_depth(model, 1, importance)
    assert kept == sorted(set(range(4)) - {min(range(4), key=importance.__getitem__)})
    assert pruned.config.num_hidden_layers == 3 and len(model.model.layers) == 4  # a copy
    assert [layer.self_attn.layer_idx for layer in pruned.model.layers] == [0, 1, 2]
    ids = tokenizer(TEXTS[0], return_tensors="pt")
    assert pruned(**ids).logits.shape == model(**ids).logits.shape  # it still runs


def test_width_pruning_keeps_the_loudest_channels_in_every_layer(large):
    model, tokenizer = large
    importance = channel_importance(model, tokenizer, TEXTS)
    assert [len(s) for s in importance] == [512] * 4
    pruned, size = prune_width(model, 0.5, importance)
    assert size == 256 and pruned.config.intermediate_size == 256
    mlp, original = pruned.model.layers[1].mlp, model.model.layers[1].mlp
    top = torch.argsort(importance[1], descending=True)[:256].sort().values
    assert torch.equal(mlp.up_proj.weight, original.up_proj.weight[top])
    assert torch.equal(mlp.down_proj.weight, original.down_proj.weight[:, top])
    assert parameters(pruned) == parameters(model) - 4 * 3 * 128 * 256


def test_a_pruned_model_saves_loadable_with_its_record(large, tmp_path):
    model, tokenizer = large
    pruned, kept = prune_depth(model, 2, layer_importance(model, tokenizer, TEXTS))
    record = PruneRecord(base="demo:large", kind="depth", kept_layers=kept,
                         intermediate_size=512, parameters_before=parameters(model),
                         parameters_after=parameters(pruned), importance=[0.0] * 4)
    save_pruned(pruned, tokenizer, tmp_path, record)
    loaded = LlamaForCausalLM.from_pretrained(tmp_path)
    assert loaded.config.num_hidden_layers == 2 and (tmp_path / "pruned.json").is_file()


def test_bad_cuts_are_named(large):
    model, tokenizer = large
    with pytest.raises(ConfigError, match="drop must leave at least one of the 4 layers"):
        prune_depth(model, 4, [0.0] * 4)
    with pytest.raises(ConfigError, match="keep must be a share between 0 and 1 of the 512"):
        prune_width(model, 1.5, [])
    with pytest.raises(ConfigError, match="needs calibration prompts"):
        layer_importance(model, tokenizer, [])



def test_zero_share_reads_the_least_sparse_projection(large, tmp_path):
    model, tokenizer = large
    sparse = copy.deepcopy(model)
    with torch.no_grad():
        for module in sparse.modules():
            if isinstance(module, torch.nn.Linear):
                module.weight[:, ::2] = 0
    record = PruneRecord(base="demo:large", kind="none", kept_layers=[0, 1, 2, 3],
                         intermediate_size=512, parameters_before=1, parameters_after=1,
                         importance=[])
    save_pruned(sparse, tokenizer, tmp_path / "m", record)
    assert zero_share(tmp_path / "m") >= 0.5
    save_pruned(copy.deepcopy(model), tokenizer, tmp_path / "dense", record)
    assert zero_share(tmp_path / "dense") < 0.01
    save_file({"embed.weight": torch.zeros(2, 2)}, tmp_path / "model.safetensors")
    with pytest.raises(ConfigError, match="no projection weights"):
        zero_share(tmp_path)
