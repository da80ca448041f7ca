"""Task accuracy with a quantized KV cache: the same items answered in process under each
scheme, graded by the demo grader, each compared with the unquantized cache request by request.

The answers persist in the results store as each scheme finishes (`kvquant_answers`), so an
interrupted sweep resumes where it stopped, and only for the same model and items.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import torch
from tqdm.auto import tqdm

from llmopt.demo import evaluate
from llmopt.kvquant.cache import QuantizedKVCache
from llmopt.kvquant.scheme import BF16, KVScheme, turboquant
from llmopt.quantize.source import resolve
from llmopt.results import save
from llmopt.workload import WorkloadItem

STORE = "kvquant_answers"


def load_model(model: str):
    """The model and tokenizer in process (bfloat16; on a GPU when there is one): a local
    folder, or a hub id the gpu profile names (downloaded on the team's machine)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = resolve(model)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    loaded = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.bfloat16)  # nosec B615 # local (quantize.source)
    return loaded.to(device).eval(), AutoTokenizer.from_pretrained(folder)  # nosec B615 # local


def answers(model, tokenizer, items: list[WorkloadItem], scheme: KVScheme,
            batch_size: int = 100) -> list[str]:
    """Greedy answers of `model` with its KV cache under `scheme`."""
    with torch.no_grad():
        return evaluate.generate_answers(model, tokenizer, items, batch_size=batch_size,
                                         cache=lambda: QuantizedKVCache(scheme, model.config))


def sweep(model, tokenizer, items: list[WorkloadItem], schemes: list[KVScheme],
          results_dir: str | Path, model_name: str) -> dict[str, list[str]]:
    """Answers under the unquantized cache and every scheme, by scheme name; reuses the
    stored answers of an earlier run of the same model on the same items. A scheme that keeps
    every layer (vLLM's boundary layers on a small model) gets the unquantized answers: its
    cache is the unquantized one."""
    key = _digest(model_name, items)
    path = Path(results_dir) / f"{STORE}.json"
    stored = json.loads(path.read_text()) if path.is_file() else {}
    found = stored.get("answers", {}) if stored.get("key") == key else {}
    for scheme in tqdm([BF16, *schemes], desc="KV schemes"):
        if found.get(scheme.name, {}).get("scheme") != scheme.model_dump(mode="json"):
            layers = model.config.get_text_config(decoder=True).num_hidden_layers
            kept = scheme.name != BF16.name and len(scheme.kept_layers(layers)) == layers
            found[scheme.name] = {"scheme": scheme.model_dump(mode="json"),
                                  "answers": found[BF16.name]["answers"] if kept else
                                  answers(model, tokenizer, items, scheme)}
            save(results_dir, STORE, {"key": key, "model": model_name, "answers": found})
    return {s.name: found[s.name]["answers"] for s in [BF16, *schemes]}


def _digest(model_name: str, items: list[WorkloadItem]) -> str:
    text = model_name + "\n" + "\n".join(i.model_dump_json() for i in items)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def quality_table(items: list[WorkloadItem], found: dict[str, list[str]],
                  schemes: list[KVScheme], budget_points: float, head_dim: int
                  ) -> pd.DataFrame:
    """The bits the model takes: per scheme, stored bits per key and value element, the paired
    accuracy difference against the unquantized cache overall, per tier and hard slice (points,
    with the overall 95% interval), and whether it holds the quality budget: `within` (the
    interval's low end is above -budget), `beyond` (its high end is below) or `inconclusive`."""
    rows = []
    for scheme in schemes:
        q = evaluate.paired_by_slice(items, found[BF16.name], found[scheme.name])
        key_bits, value_bits = scheme.bits_per_value(head_dim)
        budget = "within" if q.low_points >= -budget_points else \
            "beyond" if q.high_points < -budget_points else "inconclusive"
        rows.append({"scheme": scheme.name, "key_bits": key_bits, "value_bits": value_bits,
                     "boundary": scheme.boundary, "requests": q.n,
                     "delta_points": q.difference_points, "interval": q.interval,
                     **{f"delta_{t}": v.difference_points for t, v in q.by_tier.items()},
                     "budget": budget})
    return pd.DataFrame(rows).set_index("scheme")


PAPER_NO_LOSS_BITS = 3.5
"""The width at which the paper reports no quality loss (its KV-cache experiments)."""


def against_paper(table: pd.DataFrame, budget_points: float) -> str:
    """One plain sentence: what the model says of the paper's claim, from a `quality_table`
    holding the paper's scheme at 3.5 bits, and the smallest width of it that holds the budget."""
    claim = turboquant(PAPER_NO_LOSS_BITS).name
    if claim not in table.index:
        return f"the paper's claim ({claim}) was not measured: add {PAPER_NO_LOSS_BITS:g} bits"
    row = table.loc[claim]
    said = f"{row['delta_points']:+.1f} points {row['interval']} at {PAPER_NO_LOSS_BITS:g} bits"
    verdict = {"within": "agrees with the paper (no loss at 3.5 bits): ",
               "beyond": "disagrees with the paper (no loss at 3.5 bits): it loses ",
               "inconclusive": "cannot confirm the paper (no loss at 3.5 bits) on this sample: "
               }[row["budget"]] + said + f", against a budget of {budget_points:g} points"
    plain = [n for n in table.index if n.startswith("turboquant ") and n.endswith("-bit")
             and table.loc[n, "budget"] == "within"]
    smallest = min(plain, key=lambda n: float(n.split()[1][:-4]), default=None)
    return verdict + (f"; the smallest width of the paper's scheme within it: {smallest.split()[1]}"
                      if smallest else "; the paper's scheme holds it at no width measured")
