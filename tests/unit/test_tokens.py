import pytest

from llmopt import tokens
from llmopt.demo import assets, generator
from llmopt.errors import AssetError


def test_prompt_parts_with_the_demo_tokenizer():
    tok = tokens.load_tokenizer(assets.model_dir("large"))
    parts = tokens.prompt_parts(generator.generate(10), tok)
    assert parts["system_tokens"].nunique() == 1 and parts["system_tokens"].iloc[0] >= 300
    assert (parts["user_tokens"] > 5).all() and (parts["reference_tokens"] > 10).all()
    assert parts["user_tokens"].nunique() > 1, "counts must not be padded to the longest text"


def test_missing_tokenizer(tmp_path):
    with pytest.raises(AssetError, match="tokenizer.json"):
        tokens.load_tokenizer(tmp_path)
