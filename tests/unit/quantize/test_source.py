import pytest

from llmopt.errors import ConfigError
from llmopt.quantize import source


def test_the_demo_model_is_a_causal_lm(demo_model):
    config = source.causal_lm_config(source.resolve(demo_model))
    assert config["architectures"] == ["LlamaForCausalLM"]
    assert source.layer_widths(config) == {"hidden_size": 128, "intermediate_size": 512}


def test_an_encoder_is_not_a_causal_lm(folder_with):
    folder = folder_with({"architectures": ["BertForMaskedLM"], "model_type": "bert"})
    with pytest.raises(ConfigError, match="holds BertForMaskedLM, not a causal LM"):
        source.causal_lm_config(folder)


def test_a_config_without_architectures_names_its_model_type(folder_with):
    folder = folder_with({"model_type": "clip"})
    with pytest.raises(ConfigError, match="holds model_type 'clip', not a causal LM"):
        source.causal_lm_config(folder)


def test_a_folder_without_config_is_not_a_model(folder_with):
    with pytest.raises(ConfigError, match="has no config.json: not a Hugging Face model folder"):
        source.causal_lm_config(folder_with(None))


def test_a_missing_local_folder(tmp_path):
    with pytest.raises(ConfigError, match="model folder .* does not exist"):
        source.resolve(str(tmp_path / "gone"))
