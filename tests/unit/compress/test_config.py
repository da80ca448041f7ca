import pytest

from llmopt.compress import (
    DEFAULT_RATE,
    DEMO_CLASSIFIER,
    PUBLISHED_LLMLINGUA2,
    LLMLingua2Config,
    LongLLMLinguaConfig,
    config_from,
    default_model,
    load,
)
from llmopt.errors import ConfigError


@pytest.mark.parametrize("rate", [0, -0.1, 1.5])
def test_bad_rate_names_it_and_the_valid_range(rate):
    with pytest.raises(ConfigError, match=rf"rate must be in \(0, 1\].*got {rate}"):
        config_from({"kind": "llmlingua", "rate": rate})


def test_unknown_method_lists_the_valid_ones():
    with pytest.raises(ConfigError, match="'selective'.*llmlingua, longllmlingua, llmlingua2"):
        config_from({"kind": "selective"})


def test_rate_defaults_and_excludes_a_budget():
    assert config_from({"kind": "llmlingua2"}).rate == DEFAULT_RATE
    budget = config_from({"kind": "llmlingua2", "target_token": 200})
    assert budget.rate is None and budget.setting == "200 tokens"
    with pytest.raises(ConfigError, match="not both"):
        config_from({"kind": "llmlingua2", "rate": 0.5, "target_token": 200})
    with pytest.raises(ConfigError, match="target_token must be >= 1"):
        config_from({"kind": "llmlingua2", "target_token": 0})


def test_unknown_field_and_bad_pattern_are_errors():
    with pytest.raises(ConfigError, match="ratio"):
        config_from({"kind": "llmlingua", "ratio": 0.5})
    with pytest.raises(ConfigError, match=r"force pattern '\(' is not a regular expression"):
        config_from({"kind": "llmlingua", "force": ["("]})


def test_kind_picks_the_variant_and_its_own_fields():
    config = config_from({"kind": "longllmlingua", "rate": 0.3, "dynamic_ratio": 0.5})
    assert isinstance(config, LongLLMLinguaConfig) and config.setting == "rate 0.3"
    with pytest.raises(ConfigError, match="dynamic_ratio"):
        config_from({"kind": "llmlingua2", "dynamic_ratio": 0.5})
    assert config_from(config) is config


def test_default_models_by_profile():
    assert default_model("llmlingua", "demo", "/m/small") == "/m/small"
    assert default_model("longllmlingua", "gpu", "org/draft") == "org/draft"
    assert default_model("llmlingua2", "demo", "x") == str(DEMO_CLASSIFIER)
    assert default_model("llmlingua2", "gpu", "x") == PUBLISHED_LLMLINGUA2
    with pytest.raises(ConfigError, match="valid: llmlingua"):
        default_model("gzip", "demo", "x")


def test_a_compressor_needs_a_model_and_revalidates_overrides():
    with pytest.raises(ConfigError, match="no model given"):
        load({"kind": "llmlingua"})
    compressor = load(LLMLingua2Config(rate=0.5), model="some/folder")
    assert compressor.setting(rate=0.25).rate == 0.25
    assert compressor.setting(target_token=50).setting == "50 tokens"
    with pytest.raises(ConfigError, match="rate must be in"):
        compressor.setting(rate=2.0)
