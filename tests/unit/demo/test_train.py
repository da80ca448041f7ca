"""The trainer's shortcuts give the loss of the plain computation, and its curriculum holds."""

import random

import pytest
import torch

from llmopt.demo import build, manual, prompt, train

TINY = train.ModelSpec(hidden_size=32, layers=2, heads=2, kv_heads=1, intermediate_size=64)


@pytest.fixture(scope="module")
def tokenizer():
    return build.build_tokenizer()


def test_the_shared_prefix_broadcast_gives_the_full_sequence_loss(tokenizer):
    cfg = train.TrainConfig(batch_size=3, short_context_steps=0, manual_dropout_share=0.0)
    model = train.make_model(TINY, tokenizer, seed=0)
    prefix, ids, labels = train.make_batch(tokenizer, random.Random(0), cfg, step=0)
    shared = train.loss_on_batch(model, prefix, ids, labels)
    full_ids = torch.cat([prefix.expand(ids.shape[0], -1), ids], dim=1)
    full_labels = torch.cat([torch.full_like(prefix.expand(ids.shape[0], -1), -100), labels], 1)
    plain = model(input_ids=full_ids, labels=full_labels).loss
    assert shared.item() == pytest.approx(plain.item(), rel=1e-4)


def test_the_first_steps_leave_the_manual_out(tokenizer):
    cfg = train.TrainConfig(short_context_steps=2, manual_dropout_share=0.0, batch_size=2)
    rng = random.Random(0)
    early = train.make_batch(tokenizer, rng, cfg, step=1)[0]
    later = train.make_batch(tokenizer, rng, cfg, step=2)[0]
    assert tokenizer.decode(early[0]) == prompt.prefix("")
    assert tokenizer.decode(later[0]) == prompt.prefix(manual.MANUAL)
