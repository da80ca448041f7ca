"""Token-level distillation: the student answers, the teacher scores every token of the answer,
and the student moves toward the teacher's next-token distribution (TRL DistillationTrainer,
on-policy, generalized Jensen-Shannon divergence). Token by token only means something when
both models cut text into the same tokens."""

from __future__ import annotations

from datasets import Dataset
from trl import DistillationConfig, DistillationTrainer

from llmopt.distill.labels import Labels
from llmopt.distill.recipe import StudentRecipe
from llmopt.errors import ConfigError


def same_tokenizer(student_tokenizer, teacher_tokenizer, student: str, teacher: str) -> None:
    """ConfigError unless the two tokenizers have the same vocabulary (ids and pieces)."""
    ours, theirs = student_tokenizer.get_vocab(), teacher_tokenizer.get_vocab()
    if ours != theirs:
        differ = len(set(ours.items()) ^ set(theirs.items()))
        raise ConfigError(
            f"token-level distillation needs one tokenizer: the student {student!r} "
            f"({len(ours):,} tokens) and the teacher {teacher!r} ({len(theirs):,}) differ in "
            f"{differ:,} (token, id) pairs, so the teacher's next-token distribution has no "
            "token-by-token counterpart in the student's; use method='sequence' (it trains on "
            "the teacher's answer text)")


def token_trainer(model, tokenizer, teacher_model, labels: Labels, common: dict,
                  recipe: StudentRecipe, peft_config):
    """A DistillationTrainer over the labelled requests' prompts (their answers are not used:
    the teacher's distribution on the student's own answers is the signal)."""
    data = Dataset.from_list([{"prompt": [{"role": "system", "content": label.system},
                                          {"role": "user", "content": label.user}]}
                              for label in labels.kept])
    args = DistillationConfig(**common, max_completion_length=recipe.max_completion_tokens,
                              beta=recipe.beta, temperature=1.0)
    return DistillationTrainer(model=model, teacher_model=teacher_model, args=args,
                               train_dataset=data, processing_class=tokenizer,
                               peft_config=peft_config)
