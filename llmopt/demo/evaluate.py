"""In-process accuracy of a demo model (transformers, greedy), for the build's manifest.

Served accuracy is measured against vLLM in the notebooks; this is the trainer's own check.
"""

from __future__ import annotations

from collections import defaultdict

import torch

from llmopt.demo import grader, prompt
from llmopt.workload import WorkloadItem


@torch.no_grad()
def generate_answers(model, tokenizer, items: list[WorkloadItem], batch_size: int = 32,
                     max_new_tokens: int = 48) -> list[str]:
    tokenizer.padding_side = "left"
    outputs = []
    for start in range(0, len(items), batch_size):
        chunk = items[start : start + batch_size]
        enc = tokenizer([prompt.render(i.system, i.user) for i in chunk], return_tensors="pt",
                        padding=True)
        out = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False,
                             eos_token_id=tokenizer.eos_token_id,
                             pad_token_id=tokenizer.pad_token_id)
        new = out[:, enc["input_ids"].shape[1] :]
        outputs += tokenizer.batch_decode(new, skip_special_tokens=True)
    return outputs


def accuracy_by_tier(items: list[WorkloadItem], outputs: list[str]) -> dict[str, float]:
    """Overall exact match per tier, plus 'all'."""
    hits: dict[str, list[bool]] = defaultdict(list)
    for item, output in zip(items, outputs, strict=True):
        correct = grader.grade(output, item.reference or {}).correct
        hits[item.tier].append(correct)
        hits["all"].append(correct)
    return {tier: sum(v) / len(v) for tier, v in sorted(hits.items())}
