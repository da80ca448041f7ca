from pathlib import Path

import pytest
from tokenizers import Tokenizer
from tokenizers.models import WordLevel

from llmopt.demo import assets
from llmopt.serve import ServeConfig
from llmopt.serve.speculative import check_draft_tokenizer


def model_folder(root: Path, name: str, vocab: dict[str, int] | None) -> str:
    folder = root / name
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    if vocab is not None:
        Tokenizer(WordLevel(vocab, unk_token="<unk>")).save(str(folder / "tokenizer.json"))
    return str(folder)


def draft_config(target: str, draft: str) -> ServeConfig:
    return ServeConfig(model=target, speculative={"method": "draft_model", "model": draft,
                                                  "num_speculative_tokens": 2})


def test_a_draft_with_another_tokenizer_is_refused_before_the_server_starts(tmp_path):
    target = model_folder(tmp_path, "target", {"<unk>": 0, "a": 1, "b": 2})
    draft = model_folder(tmp_path, "draft", {"<unk>": 0, "b": 1, "a": 2, "c": 3})
    with pytest.raises(ValueError, match="another tokenizer") as info:
        draft_config(target, draft)
    assert "4 tokens against 3, 3 of the draft's" in str(info.value)
    assert "ngram" in str(info.value)


def test_the_same_tokenizer_passes(tmp_path):
    vocab = {"<unk>": 0, "a": 1, "b": 2}
    draft_config(model_folder(tmp_path, "target", vocab), model_folder(tmp_path, "draft", vocab))


def test_the_demo_pair_shares_its_tokenizer():
    check_draft_tokenizer(str(assets.model_dir("large")), str(assets.model_dir("small")))


def test_a_hub_id_or_a_folder_without_tokenizer_json_is_left_to_vllm(tmp_path):
    local = model_folder(tmp_path, "local", {"<unk>": 0})
    bare = model_folder(tmp_path, "bare", None)
    check_draft_tokenizer("org/target", local)
    check_draft_tokenizer(local, bare)
