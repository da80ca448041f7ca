import json
import shutil

import pytest
import torch
from safetensors.torch import load_file
from transformers import AutoTokenizer, TrainerCallback

from llmopt.demo import assets, generator
from llmopt.distill import Label, Labels, StudentRecipe, read_manifest, train_student
from llmopt.errors import ConfigError

SMALL, LARGE = str(assets.model_dir("small")), str(assets.model_dir("large"))
LABELS = Labels(teacher="demo:large", asked=24, dropped={},
                kept=[Label(id=i.id, system=i.system, user=i.user,
                            answer=json.dumps(i.reference))
                      for i in generator.generate(24, seed=3)])


class Interrupt(TrainerCallback):
    def on_save(self, args, state, control, **kwargs):
        raise KeyboardInterrupt("stopped after the first checkpoint")


@pytest.mark.parametrize("method", ["sequence", "token"])
def test_a_resumed_training_gives_the_weights_of_an_uninterrupted_one(tmp_path, method):
    torch.set_num_threads(1)
    recipe = StudentRecipe(method=method, steps=4, batch_size=4, save_every=2,
                           learning_rate=1e-3, max_completion_tokens=32)
    teacher = LARGE if method == "token" else None
    whole = train_student(recipe, SMALL, tmp_path / "whole", LABELS, teacher)
    with pytest.raises(KeyboardInterrupt):
        train_student(recipe, SMALL, tmp_path / "resumed", LABELS, teacher,
                      callbacks=[Interrupt()])
    assert (tmp_path / "resumed" / "checkpoints" / "checkpoint-2").is_dir()
    resumed = train_student(recipe, SMALL, tmp_path / "resumed", LABELS, teacher)
    a, b = (load_file(tmp_path / name / "model.safetensors") for name in ("whole", "resumed"))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert not torch.equal(a["model.layers.0.mlp.up_proj.weight"],
                           load_file(assets.model_dir("small") / "model.safetensors")[
                               "model.layers.0.mlp.up_proj.weight"])  # it did train
    assert whole.steps == resumed.steps == 4 and whole.files == resumed.files
    assert not (tmp_path / "resumed" / "checkpoints").exists()


def test_the_manifest_names_base_teacher_data_and_steps_and_catches_a_changed_file(tmp_path):
    recipe = StudentRecipe(method="sequence", steps=2, batch_size=4, save_every=10)
    made = train_student(recipe, SMALL, tmp_path / "s", LABELS)
    read = read_manifest(tmp_path / "s")
    assert read == made
    assert (read.base, read.teacher, read.labels, read.examples, read.steps) == \
        (SMALL, "demo:large", LABELS.digest, 24, 2)
    assert read.cpu_seconds > 0 and "model.safetensors" in read.files
    (tmp_path / "s" / "config.json").write_text("{}")
    with pytest.raises(ConfigError, match="config.json changed since the student was built"):
        read_manifest(tmp_path / "s")
    with pytest.raises(ConfigError, match="has no manifest.json"):
        read_manifest(tmp_path)


def test_token_level_refuses_a_teacher_with_another_tokenizer(tmp_path):
    teacher = tmp_path / "teacher"
    shutil.copytree(LARGE, teacher)
    tokenizer = AutoTokenizer.from_pretrained(teacher)
    tokenizer.add_tokens(["<|extra|>"])
    tokenizer.save_pretrained(teacher)
    recipe = StudentRecipe(method="token", steps=1)
    with pytest.raises(ConfigError, match=r"differ in 1 \(token, id\) pairs, so the teacher's "
                                          r"next-token distribution has no token-by-token "
                                          r"counterpart.*use method='sequence'"):
        train_student(recipe, SMALL, tmp_path / "s", LABELS, str(teacher))
    with pytest.raises(ConfigError, match="needs the teacher model itself"):
        train_student(recipe, SMALL, tmp_path / "s", LABELS)


def test_an_empty_label_set_trains_nothing(tmp_path):
    empty = LABELS.model_copy(update={"kept": [], "dropped": {"no JSON object": 24}})
    with pytest.raises(ConfigError, match="nothing to train on"):
        train_student(StudentRecipe(method="sequence", steps=1), SMALL, tmp_path / "s", empty)
    assert not (tmp_path / "s").exists()
