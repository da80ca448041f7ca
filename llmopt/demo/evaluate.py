"""In-process accuracy of a demo model (transformers, greedy), for the build's manifest.

Served accuracy is measured against vLLM in the notebooks; this is the trainer's own check.

    python -m llmopt.demo.evaluate     # the shipped models, hard tier split by the item lookup
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import replace

import pandas as pd
import torch

from llmopt.demo import assets, generator, grader, prompt
from llmopt.workload import WorkloadItem


@torch.no_grad()
def generate_answers(model, tokenizer, items: list[WorkloadItem], batch_size: int = 32,
                     max_new_tokens: int = 48) -> list[str]:
    tokenizer.padding_side = "left"
    outputs = []
    for start in range(0, len(items), batch_size):
        chunk = items[start : start + batch_size]
        enc = tokenizer([prompt.render(i.system, i.user) for i in chunk], return_tensors="pt",
                        padding=True).to(model.device)
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


def accuracy_by_hard_slice(items: list[WorkloadItem], outputs: list[str]) -> dict[str, float]:
    """Exact match on the hard items per `hard_slice` ('lookup', 'rules')."""
    hits: dict[str, list[bool]] = defaultdict(list)
    for item, output in zip(items, outputs, strict=True):
        if item.tier == "hard":
            hits[hard_slice(item)].append(grader.grade(output, item.reference or {}).correct)
    return {name: sum(v) / len(v) for name, v in sorted(hits.items())}


def served_vs_trained(items: list[WorkloadItem], outputs: list[str], trained: dict[str, float],
                      counts: dict[str, int]) -> pd.DataFrame:
    """Per tier and hard slice: the accuracy of `outputs` (served) next to the trained one (the
    manifest's, measured on `counts` held-out requests per group), the 95% interval of their
    difference, and whether it holds 0 (the two agree within sampling error)."""
    served = accuracy_by_tier(items, outputs) | accuracy_by_hard_slice(items, outputs)
    n_served = Counter(i.tier for i in items) + Counter(hard_slice(i) for i in items
                                                        if i.tier == "hard")
    rows = []
    for group in ("easy", "hard", *HARD_SLICES):
        if group not in served or group not in trained:
            continue
        n, m = n_served[group], counts[group]
        lo, hi = grader.difference_interval(round(served[group] * n), n,
                                            round(trained[group] * m), m)
        rows.append({"group": group, "served": served[group], "n_served": n,
                     "trained": trained[group], "n_trained": m, "diff_low": lo, "diff_high": hi,
                     "agrees": lo <= 0 <= hi})
    return pd.DataFrame(rows).set_index("group")


HARD_SLICES = ("lookup", "rules")


def hard_slice(item: WorkloadItem) -> str:
    """'lookup' when the hard item's answer needs the complained-about item's price, else
    'rules' (every other hard item: the manual's rules on stated facts)."""
    facts = generator.Facts.from_dict(item.facts)
    return "lookup" if generator.needs_item_price(facts) else "rules"


def guess_ceiling(items: list[WorkloadItem]) -> float:
    """Hard-tier accuracy of a model that applies every rule right but picks the order's item
    at random: what a model that has not learnt the lookup can reach at best."""
    hits = []
    for item in (i for i in items if i.tier == "hard"):
        facts = generator.Facts.from_dict(item.facts)
        answers = [generator.resolve(replace(facts, target=t)) for t in range(len(facts.items))]
        hits.append(answers.count(item.reference) / len(answers))
    return sum(hits) / len(hits)


def main() -> None:
    from transformers import AutoTokenizer, LlamaForCausalLM

    torch.set_num_threads(2)
    items = [i for i in generator.generate(600, seed=assets.manifest()["data"]["eval_seed"])
             if i.tier == "hard"]
    print(f"hard items: {len(items)}; guessing the item at best: {guess_ceiling(items):.3f}")
    for name in assets.MODELS:
        folder = assets.model_dir(name)
        model = LlamaForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
        outputs = generate_answers(model, AutoTokenizer.from_pretrained(folder), items)
        counts = Counter(hard_slice(i) for i in items)
        print(name, {k: f"{v:.3f} of {counts[k]}"
                     for k, v in accuracy_by_hard_slice(items, outputs).items()})


if __name__ == "__main__":
    main()
