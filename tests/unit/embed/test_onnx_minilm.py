from __future__ import annotations

import pytest

from llmopt.embed import onnx_minilm
from llmopt.embed.onnx_minilm import OnnxMiniLM


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def encoder(cache_dir) -> OnnxMiniLM:
    return OnnxMiniLM(cache_dir=cache_dir)


def test_the_model_is_made_once_and_reused(encoder, cache_dir, monkeypatch):
    assert encoder.model_file.parent.parent == cache_dir
    assert encoder.model_file.stat().st_size > 10_000_000  # int8 weights: about 23 MB

    def no_second_export(*args):
        raise AssertionError("exported again")

    monkeypatch.setattr(onnx_minilm, "_export", no_second_export)
    assert OnnxMiniLM(cache_dir=cache_dir).model_file == encoder.model_file


def test_a_failed_export_leaves_nothing_behind(tmp_path, monkeypatch):
    def killed(folder, out):
        out.write_bytes(b"half a model")
        raise KeyboardInterrupt

    monkeypatch.setattr(onnx_minilm, "_export", killed)
    with pytest.raises(KeyboardInterrupt):
        OnnxMiniLM(cache_dir=tmp_path)
    assert list(tmp_path.rglob("*.onnx")) == []


def test_a_text_is_read_up_to_max_tokens_and_not_padded(cache_dir):
    encoder = OnnxMiniLM(max_tokens=16, cache_dir=cache_dir)
    assert len(encoder.tokenizer.encode("a short request").ids) < 16
    assert len(encoder.tokenizer.encode("word " * 100).ids) == 16
    assert encoder.encode([]).shape == (0, 384)
