"""transformers' own quantized KV cache (`QuantizedCache(backend="quanto")`, KIVI-style, with a
full-precision residual window) on a demo model, against the unquantized cache on the same
requests: the baseline llmopt.kvquant's uniform scheme stands in for in notebook 10.

It needs optimum-quanto, which llmopt does not depend on; run it in the benchmark environment
(docs/benchmarks/kvquant.md says how it is made):

    PYTHONPATH=. ~/.cache/llmopt/venvs/bench-turboquant/bin/python \\
        benchmarks/kvquant_transformers_cache.py [--items 120] [--group 32] [--residual 32]
"""

from __future__ import annotations

import argparse
import time

import torch

from llmopt.demo import assets, evaluate, generator
from llmopt.kvquant import BF16
from llmopt.kvquant.accuracy import answers, load_model, quality


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=120)
    ap.add_argument("--group", type=int, default=32)
    ap.add_argument("--residual", type=int, default=32)
    args = ap.parse_args()
    try:
        import optimum.quanto  # noqa: F401
        from transformers import QuantizedCache
    except ImportError as error:
        raise SystemExit(f"{error}: install optimum-quanto in the benchmark environment "
                         "(pip install --no-deps optimum-quanto)") from error
    torch.set_num_threads(2)
    items = generator.generate(args.items, seed=0)
    model, tokenizer = load_model(str(assets.model_dir("large")))
    base = answers(model, tokenizer, items, BF16)
    for nbits in (2, 4):
        start = time.perf_counter()
        with torch.no_grad():
            out = evaluate.generate_answers(
                model, tokenizer, items, batch_size=100,
                cache=lambda n=nbits: QuantizedCache(backend="quanto", config=model.config, nbits=n,
                                                     q_group_size=args.group,
                                                     residual_length=args.residual))
        q = quality(items, base, out)
        print(f"quanto {nbits}-bit: {q.difference_points:+.1f} points {q.interval} on {q.n} "
              f"requests ({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
