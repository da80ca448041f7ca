"""The shared MiniLM encoder: one per setting, ONNX int8 against torch, LangChain's interface."""

from __future__ import annotations

import numpy as np
import pytest

from llmopt.demo.generator import generate
from llmopt.embed import Embedder, minilm, resolve_dtype
from llmopt.errors import ConfigError

TEXTS = [item.user for item in generate(8, seed=5)]


@pytest.fixture(scope="module")
def float32() -> np.ndarray:
    """Torch float32 embeddings of a few demo requests: the reference the others are held to."""
    return minilm("torch", dtype="float32").encode(TEXTS)


def test_one_encoder_per_setting_shared_in_the_process():
    assert minilm() is minilm("onnx-int8", 128, 1, "auto")
    assert minilm() is not minilm(max_tokens=64)
    assert isinstance(minilm(), Embedder)


def test_torch_encoder_is_capped_and_in_the_resolved_dtype():
    model = minilm("torch").model
    assert model.max_seq_length == 128
    weights = next(model.parameters()).dtype
    assert str(weights).removeprefix("torch.") == resolve_dtype("auto")


def test_bfloat16_embeddings_agree_with_float32(float32):
    bf16 = minilm("torch", dtype="bfloat16").encode(TEXTS)
    assert float32.dtype == bf16.dtype == np.float32
    assert (float32 * bf16).sum(axis=1).min() > 0.995  # batched with padding: 0.9986 here


def test_int8_onnx_embeddings_stay_close_to_float32(float32):
    int8 = minilm().encode(TEXTS)
    assert minilm().__class__.__name__ == "OnnxMiniLM"
    assert int8.dtype == np.float32 and int8.shape == float32.shape
    # 0.985 at worst over 1,200 demo requests; a broken export or pooling gives < 0.5
    assert (float32 * int8).sum(axis=1).min() > 0.97
    # int8 activations are scaled by the whole input: a text gets one vector, alone or not
    assert np.array_equal(minilm().encode(TEXTS[3:4])[0], int8[3])


def test_it_is_a_langchain_embeddings():
    encoder = minilm()
    query = encoder.embed_query(TEXTS[0])
    documents = encoder.embed_documents(TEXTS[:2])
    assert len(query) == encoder.dim == 384 and np.allclose(documents[0], query)
    assert np.array_equal(encoder(TEXTS[:1]), encoder.encode(TEXTS[:1]))


def test_bad_settings_name_the_valid_ones():
    with pytest.raises(ConfigError, match="float32"):
        minilm(dtype="fp8")
    with pytest.raises(ConfigError, match="onnx-int8"):
        minilm("openvino")
    with pytest.raises(ConfigError, match="max_tokens"):
        minilm(max_tokens=0)
