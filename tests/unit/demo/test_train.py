"""The trainer's shortcuts give the loss of the plain computation, its curriculum holds, and a
run resumed from a checkpoint ends where an uninterrupted one does."""

import pytest
import torch

from llmopt.demo import build, manual, prompt, train

TINY = train.ModelSpec(hidden_size=32, layers=2, heads=2, kv_heads=1, intermediate_size=64)


@pytest.fixture(scope="module")
def tokenizer():
    return build.build_tokenizer()


def test_the_shared_prefix_broadcast_gives_the_full_sequence_loss(tokenizer):
    cfg = train.TrainConfig(batch_size=3, manual_steps=4000, manual_dropout_share=0.0)
    model = train.make_model(TINY, tokenizer, seed=0)
    prefix, ids, labels = train.make_batch(tokenizer, cfg, step=0)
    shared = train.loss_on_batch(model, prefix, ids, labels)
    full_ids = torch.cat([prefix.expand(ids.shape[0], -1), ids], dim=1)
    full_labels = torch.cat([torch.full_like(prefix.expand(ids.shape[0], -1), -100), labels], 1)
    plain = model(input_ids=full_ids, labels=full_labels).loss
    assert shared.item() == pytest.approx(plain.item(), rel=1e-4)


def test_the_first_steps_leave_the_manual_out(tokenizer):
    cfg = train.TrainConfig(steps=4, manual_steps=2, manual_dropout_share=0.0,
                            batch_size=2)
    early = train.make_batch(tokenizer, cfg, step=1)[0]
    later = train.make_batch(tokenizer, cfg, step=2)[0]
    assert tokenizer.decode(early[0]) == prompt.prefix("")
    assert tokenizer.decode(later[0]) == prompt.prefix(manual.MANUAL)


def test_a_batch_depends_on_its_step_alone(tokenizer):
    cfg = train.TrainConfig(batch_size=4)
    again = train.make_batch(tokenizer, cfg, step=7)
    same = zip(train.make_batch(tokenizer, cfg, 7), again, strict=True)
    assert all(torch.equal(a, b) for a, b in same)
    assert not torch.equal(train.make_batch(tokenizer, cfg, 8)[1][:, :5], again[1][:, :5])


def test_a_resumed_run_ends_with_the_weights_of_an_uninterrupted_one(tokenizer, tmp_path):
    cfg = train.TrainConfig(steps=6, batch_size=2, warmup_steps=2)
    straight = train.train(TINY, tokenizer, cfg)
    checkpoint = tmp_path / "tiny.pt"

    class Stop(Exception):
        pass

    def stop_in_step_five(step, loss, model):
        if step == 4:
            raise Stop

    with pytest.raises(Stop):
        train.train(TINY, tokenizer, cfg, on_step=stop_in_step_five,
                    run=train.TrainRun(checkpoint=checkpoint, checkpoint_every=2))
    steps_seen = []
    resumed = train.train(TINY, tokenizer, cfg, on_step=lambda s, *_: steps_seen.append(s),
                          run=train.TrainRun(checkpoint=checkpoint, checkpoint_every=2))
    assert steps_seen == [4, 5]  # from the checkpoint saved after four steps
    assert not checkpoint.exists()
    for (name, a), b in zip(straight.state_dict().items(), resumed.state_dict().values(),
                            strict=True):
        assert torch.equal(a, b), name


def test_a_checkpoint_of_another_recipe_is_not_resumed(tokenizer, tmp_path):
    checkpoint = tmp_path / "tiny.pt"
    cfg = train.TrainConfig(steps=4, batch_size=2, warmup_steps=1)

    def stop(step, loss, model):
        if step == 2:
            raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        train.train(TINY, tokenizer, cfg, on_step=stop,
                    run=train.TrainRun(checkpoint=checkpoint, checkpoint_every=2))
    steps_seen = []
    train.train(TINY, tokenizer, cfg.model_copy(update={"lr": 5e-4}),
                on_step=lambda s, *_: steps_seen.append(s),
                run=train.TrainRun(checkpoint=checkpoint))
    assert steps_seen == [0, 1, 2, 3]
