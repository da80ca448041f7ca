"""The gpu profile's distillation path, shaped without downloading: its 1B student takes the
LoRA recipe, and its 8B teacher and 1B student share a vocabulary for token-level training."""

import torch
from peft import get_peft_model
from transformers import LlamaConfig, LlamaForCausalLM

from llmopt.distill import LoraSpec, StudentRecipe
from llmopt.distill.student import _peft
from llmopt.profile import Profile
from llmopt.serve.plan import shape_for
from llmopt.settings import REPO_ROOT

GPU = Profile.load(REPO_ROOT / "cookbook" / "profiles" / "gpu.yaml")


def test_the_lora_recipe_fits_the_1b_student_on_the_meta_device():
    shape = shape_for(GPU.draft_model)
    with torch.device("meta"):  # shapes only: no weights, no download, no memory
        model = LlamaForCausalLM(LlamaConfig(**shape.to_config()))
    names = {name.rsplit(".", 1)[-1] for name, _ in model.named_modules()}
    assert set(LoraSpec().target_modules) <= names
    tuned = get_peft_model(model, _peft(StudentRecipe(method="sequence", steps=1,
                                                      lora=LoraSpec())))
    trainable, total = tuned.get_nb_trainable_parameters()
    assert 0 < trainable < 0.02 * total  # r=16 on every projection: about 0.9% of 1.24B


def test_teacher_and_student_share_a_vocabulary_for_token_level_training():
    teacher, student = shape_for(GPU.target_model), shape_for(GPU.draft_model)
    assert teacher.vocab_size == student.vocab_size == 128_256
