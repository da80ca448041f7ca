"""In-process accuracy of a demo model (transformers, greedy), for the build's manifest.

Served accuracy is measured against vLLM in the notebooks; this is the trainer's own check.

    python -m llmopt.demo.evaluate     # the shipped models, hard tier split by the item lookup
    python -m llmopt.demo.evaluate --dtypes float32,bfloat16   # does serving precision cost any?
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import replace

import pandas as pd
import torch

from llmopt.demo import assets, generator, grader, prompt
from llmopt.evidence import PairedQuality, paired_quality
from llmopt.workload import WorkloadItem


@torch.no_grad()
def generate_answers(model, tokenizer, items: list[WorkloadItem], batch_size: int = 32,
                     max_new_tokens: int = 48, cache: Callable[[], object] | None = None
                     ) -> list[str]:
    """Greedy answers; `cache` makes each batch's KV cache (default: transformers' own)."""
    tokenizer.padding_side = "left"
    outputs = []
    for start in range(0, len(items), batch_size):
        chunk = items[start : start + batch_size]
        enc = tokenizer([prompt.render(i.system, i.user) for i in chunk], return_tensors="pt",
                        padding=True).to(model.device)
        out = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False,
                             eos_token_id=tokenizer.eos_token_id,
                             pad_token_id=tokenizer.pad_token_id,
                             past_key_values=cache() if cache else None)
        new = out[:, enc["input_ids"].shape[1] :]
        outputs += tokenizer.batch_decode(new, skip_special_tokens=True)
    return outputs


def accuracy_by_tier(items: list[WorkloadItem], outputs: list[str]) -> dict[str, float]:
    """Overall exact match per tier, plus 'all'."""
    return _accuracy(items, outputs, lambda item: (item.tier, "all"))


def accuracy_by_hard_slice(items: list[WorkloadItem], outputs: list[str]) -> dict[str, float]:
    """Exact match on the hard items per `hard_slice` ('lookup', 'rules')."""
    return _accuracy(items, outputs,
                     lambda item: (hard_slice(item),) if item.tier == "hard" else ())


def _accuracy(items: list[WorkloadItem], outputs: list[str],
              groups: Callable[[WorkloadItem], tuple[str, ...]]) -> dict[str, float]:
    """Exact match per group; `groups(item)` names the groups an item counts in."""
    hits: dict[str, list[bool]] = defaultdict(list)
    for item, output in zip(items, outputs, strict=True):
        correct = grader.grade(output, item.reference or {}).correct
        for group in groups(item):
            hits[group].append(correct)
    return {group: sum(v) / len(v) for group, v in sorted(hits.items())}


HARD_SLICES = ("lookup", "rules")


def served_vs_trained(items: list[WorkloadItem], outputs: list[str], model: dict,
                      data: dict) -> pd.DataFrame:
    """Per tier and hard slice: the accuracy of `outputs` (served) next to the trained one
    (`model`, a manifest model entry, measured on the held-out counts in `data`, the manifest's
    data section), the 95% interval of their difference, and whether it holds 0 (the two agree
    within sampling error)."""
    served = accuracy_by_tier(items, outputs) | accuracy_by_hard_slice(items, outputs)
    trained = model["accuracy_in_process"] | model["hard_slices_in_process"]
    counts = data["eval_counts"] | data["eval_hard_slice_counts"]
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


def paired_by_slice(items: list[WorkloadItem], baseline: list[str], candidate: list[str]
                    ) -> PairedQuality:
    """`candidate`'s outputs against `baseline`'s on the same items, paired request by request:
    overall, per tier and per hard slice ('lookup', 'rules') in `by_tier`."""
    base, cand = ([grader.grade(o, i.reference or {}).correct
                   for i, o in zip(items, outputs, strict=True)]
                  for outputs in (baseline, candidate))
    result = paired_quality(base, cand, [i.tier for i in items])
    hard = [n for n, i in enumerate(items) if i.tier == "hard"]
    if hard:
        slices = paired_quality([base[n] for n in hard], [cand[n] for n in hard],
                                [hard_slice(items[n]) for n in hard])
        result = result.model_copy(update={"by_tier": result.by_tier | slices.by_tier})
    return result


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


def main(argv: list[str] | None = None) -> None:
    import argparse

    from transformers import AutoTokenizer, LlamaForCausalLM

    parser = argparse.ArgumentParser(description="Held-out accuracy of the shipped demo models.")
    parser.add_argument("--dtypes", default="float32",
                        help="comma-separated torch dtypes to run each model in, e.g. "
                             "float32,bfloat16 (the outputs that differ from the first are "
                             "counted)")
    args = parser.parse_args(argv)
    torch.set_num_threads(2)
    items = generator.generate(600, seed=assets.manifest()["data"]["eval_seed"])
    hard = [i for i in items if i.tier == "hard"]
    counts = Counter(hard_slice(i) for i in hard)
    lookup = [i for i in hard if hard_slice(i) == "lookup"]
    print(f"hard items: {len(hard)} {dict(counts)}; guessing the item at best: "
          f"{guess_ceiling(hard):.3f} on hard, {guess_ceiling(lookup):.3f} on lookup")
    for name in assets.MODELS:
        folder = assets.model_dir(name)
        tokenizer = AutoTokenizer.from_pretrained(folder)  # nosec B615 # the shipped demo folder
        first: list[str] | None = None
        for dtype in args.dtypes.split(","):
            model = LlamaForCausalLM.from_pretrained(folder, dtype=getattr(torch, dtype)).eval()  # nosec B615 # the shipped demo folder
            outputs = generate_answers(model, tokenizer, items)
            tiers = {k: f"{v:.3f}" for k, v in accuracy_by_tier(items, outputs).items()}
            slices = {k: f"{v:.3f} of {counts[k]}"
                      for k, v in accuracy_by_hard_slice(items, outputs).items()}
            first = first or outputs
            differ = sum(a != b for a, b in zip(first, outputs, strict=True))
            print(f"{name} {dtype}: {tiers} hard {slices}; outputs differing from "
                  f"{args.dtypes.split(',')[0]}: {differ} of {len(items)}", flush=True)


if __name__ == "__main__":
    main()
