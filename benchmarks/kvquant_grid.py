"""The full cross of KV-cache schemes on a demo model: every width with and without QJL, with and
without norm correction, with and without a boundary layer kept on each side; vLLM's presets with
and without their boundary layers; the uniform baseline. Accuracy against the unquantized cache,
paired per request, on held-out demo tickets (notebook 10 runs a subset on the profile's requests).

    .venv/bin/python benchmarks/kvquant_grid.py [--items 300] [--model large] [--budget 2]

Answers persist under --results as each scheme finishes, so a rerun resumes.
"""

from __future__ import annotations

import argparse

import pandas as pd
import torch

from llmopt.demo import assets, generator
from llmopt.kvquant import kivi, turboquant, vllm
from llmopt.kvquant.accuracy import load_model, quality_table, sweep
from llmopt.serve.plan.schemes import TURBOQUANT

WIDTHS = (2, 2.5, 3, 3.5, 4, 8)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=300)
    ap.add_argument("--model", default="large", choices=assets.MODELS)
    ap.add_argument("--budget", type=float, default=2.0)
    ap.add_argument("--results", default="results/bench-kvquant")
    args = ap.parse_args()
    torch.set_num_threads(2)
    items = generator.generate(args.items, seed=assets.manifest()["data"]["eval_seed"])
    model, tokenizer = load_model(str(assets.model_dir(args.model)))
    schemes = [turboquant(b, qjl=q, norm_correction=nc, boundary=k)
               for b in WIDTHS for q in (False, True) for nc in (False, True) for k in (0, 1)
               if not (q and nc)]  # norm correction is an MSE-key option
    schemes += [vllm(d, k) for d in TURBOQUANT for k in (2, 0)] + [kivi(2), kivi(4)]
    found = sweep(model, tokenizer, items, schemes, args.results, model_name=args.model)
    table = quality_table(items, found, schemes, args.budget, model.config.head_dim)
    with pd.option_context("display.width", 200, "display.max_rows", None):
        print(f"demo {args.model}, {len(items)} held-out tickets, budget {args.budget:g} points")
        print(table.round(1).to_string())


if __name__ == "__main__":
    main()
