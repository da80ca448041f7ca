"""Sequence-level distillation: fine-tune the student on the teacher's answers (TRL SFTTrainer,
prompt-completion pairs, the loss on the completion only)."""

from __future__ import annotations

from datasets import Dataset
from trl import SFTConfig, SFTTrainer

from llmopt.demo import prompt
from llmopt.distill.labels import Labels


def sequence_trainer(model, tokenizer, labels: Labels, common: dict, peft_config):
    """An SFTTrainer over `labels` as prompt / completion text (the demo prompt format, the
    answer followed by the end token)."""
    data = Dataset.from_list([{"prompt": prompt.render(label.system, label.user),
                               "completion": label.answer + prompt.END}
                              for label in labels.kept])
    args = SFTConfig(**common, completion_only_loss=True, max_length=None)
    return SFTTrainer(model=model, args=args, train_dataset=data, processing_class=tokenizer,
                      peft_config=peft_config)
