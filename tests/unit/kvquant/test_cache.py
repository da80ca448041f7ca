import pytest
import torch
from transformers import DynamicCache, LlamaConfig, LlamaForCausalLM

from llmopt.kvquant import BF16, QuantizedKVCache, turboquant


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=64, hidden_size=64, intermediate_size=128, num_hidden_layers=4,
                         num_attention_heads=4, num_key_value_heads=2, head_dim=16,
                         max_position_embeddings=128)
    return LlamaForCausalLM(config).eval()


def generate(model, cache):
    ids = torch.arange(1, 25).reshape(2, 12)
    with torch.no_grad():
        return model.generate(ids, max_new_tokens=8, do_sample=False, past_key_values=cache,
                              pad_token_id=0)


def test_the_unquantized_scheme_is_transformers_own_cache(model):
    assert torch.equal(generate(model, QuantizedKVCache(BF16, model.config)),
                       generate(model, DynamicCache(config=model.config)))


def test_stored_states_are_quantized_but_the_writing_pass_sees_its_own(model):
    cache = QuantizedKVCache(turboquant(2, boundary=1), model.config)
    keys = torch.randn(1, 2, 5, 16)
    seen, _ = cache.update(keys, keys.clone(), 1)
    assert torch.equal(seen, keys)  # the writing pass attends at full precision
    stored = cache.layers[1].keys
    assert stored.shape == keys.shape and not torch.equal(stored, keys)
    more = torch.randn(1, 2, 1, 16)
    seen, _ = cache.update(more, more.clone(), 1)
    assert torch.equal(seen[..., :5, :], stored) and torch.equal(seen[..., 5:, :], more)
    kept, _ = cache.update(keys, keys.clone(), 0)  # a boundary layer stores what it is given
    assert torch.equal(kept, keys) and torch.equal(cache.layers[0].keys, keys)


def test_eight_bits_change_the_logits_far_less_than_two(model):
    ids = torch.arange(1, 25).reshape(2, 12)

    def last_logits(scheme, steps=4):
        cache, out = QuantizedKVCache(scheme, model.config), ids
        with torch.no_grad():
            logits = model(out, past_key_values=cache).logits[:, -1]
            for _ in range(steps):
                out = logits.argmax(-1, keepdim=True)
                logits = model(out, past_key_values=cache).logits[:, -1]
        return logits

    exact = last_logits(BF16)
    error = {bits: float((last_logits(turboquant(bits)) - exact).norm() / exact.norm())
             for bits in (2, 8)}
    assert error[8] < error[2] / 10 and error[2] > 0
