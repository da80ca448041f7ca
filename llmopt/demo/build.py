"""Build the demo world's assets: tokenizer, `small` and `large` models, manifest.

    python -m llmopt.demo.build                 # the shipped assets (about 70 min on 2 cores)
    python -m llmopt.demo.build --steps 5 --out /tmp/demo --eval-items 8   # a smoke run
    python -m llmopt.demo.build --eval-every 500    # also print held-out accuracy as it trains
    python -m llmopt.demo.build --checkpoint-dir ~/.cache/llmopt/demo-train   # resumable
    python -m llmopt.demo.build --device cuda --workers 4   # on a GPU (batches made in 4 processes)

Both models get the same recipe (TrainConfig) and the same data stream; the architecture and
the training steps (STEPS) differ: `large` trains 10,000 steps and `small` 3,000, so the strong
model has both more parameters and more training compute, as real strong models do. Everything
is seeded, so a rebuild gives the same weights on the same machine type and torch version (a
run resumed from a checkpoint too: a batch is a function of the seed and its step).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from collections import Counter
from pathlib import Path

import torch

from llmopt.demo import assets, evaluate, generator, manual, prompt, tokenizer, train

SPECS = {
    "small": train.ModelSpec(hidden_size=96, layers=2, heads=3, kv_heads=1,
                             intermediate_size=384),
    "large": train.ModelSpec(hidden_size=128, layers=4, heads=4, kv_heads=2,
                             intermediate_size=512),
}
STEPS = {"small": 3000, "large": 10000}
"""Training steps per model: the one recipe (TrainConfig) otherwise."""
TOKENIZER_SEED = 7
EVAL_SEED = 1_000_003


def build_tokenizer():
    items = generator.generate(4000, seed=TOKENIZER_SEED)
    texts = [manual.MANUAL] * 20 + [i.user + prompt.answer_text(i.reference) for i in items]
    return tokenizer.to_transformers(tokenizer.train_tokenizer(texts))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


PROGRESS_ITEMS = 100
"""Held-out requests behind the accuracy printed every `--eval-every` steps."""


def build_model(name: str, tok, cfg: train.TrainConfig, out: Path, eval_items,
                spec: train.ModelSpec | None = None,
                run: train.TrainRun | None = None) -> dict:
    """Train model `name` (architecture `spec`, default SPECS[name]) as `run` says, save it in
    bf16 under `out/name`, and return its manifest entry (accuracy on `eval_items`)."""
    spec, run = spec or SPECS[name], run or train.TrainRun()
    started = time.time()

    def log(step: int, loss: float, model) -> None:
        if step % 50 == 0 or step == cfg.steps - 1:
            print(f"[{name}] step {step}/{cfg.steps} loss {loss:.4f} "
                  f"({time.time() - started:.0f} s)", flush=True)
        if run.eval_every and step and step % run.eval_every == 0:
            model.eval()
            some = eval_items[:PROGRESS_ITEMS]
            manual = step >= cfg.short_context_steps  # else: the prompts it trains on now
            some = some if manual else [i.model_copy(update={"system": ""}) for i in some]
            outputs = evaluate.generate_answers(model, tok, some)
            model.train()
            print(f"[{name}] step {step} held-out ({len(some)} requests, "
                  f"{'with' if manual else 'without'} the manual) "
                  f"{_rounded(evaluate.accuracy_by_tier(some, outputs))} hard "
                  f"{_rounded(evaluate.accuracy_by_hard_slice(some, outputs))}", flush=True)

    model = train.train(spec, tok, cfg, on_step=log, run=run)
    train_s = time.time() - started
    outputs = evaluate.generate_answers(model, tok, eval_items)
    accuracy = evaluate.accuracy_by_tier(eval_items, outputs)
    slices = evaluate.accuracy_by_hard_slice(eval_items, outputs)
    print(f"[{name}] accuracy {_rounded(accuracy)} hard {_rounded(slices)}", flush=True)
    folder = out / name
    model.to("cpu", torch.bfloat16).save_pretrained(folder)
    tok.save_pretrained(folder)
    files = sorted(p for p in folder.iterdir() if p.is_file())
    return {
        "parameters": train.count_parameters(model),
        "architecture": spec.model_dump(),
        "dtype": "bfloat16",
        "steps": cfg.steps,
        "device": run.device,
        "train_seconds": round(train_s, 1),
        "accuracy_in_process": accuracy,
        "hard_slices_in_process": slices,
        "files": {p.name: sha256(p) for p in files},
        "bytes": sum(p.stat().st_size for p in files),
    }


def _rounded(accuracy: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 3) for k, v in accuracy.items()}


def _kept_models(path: Path, manifest: dict) -> dict:
    """Models an earlier build into the same folder made with this very recipe, data and torch
    (so `--models small` rebuilds one model and keeps the other); none otherwise."""
    if not path.is_file():
        return {}
    old = json.loads(path.read_text())
    same = all(old.get(key) == manifest[key] for key in ("recipe", "data", "torch"))
    return old.get("models", {}) if same else {}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=assets.ASSETS_DIR)
    parser.add_argument("--steps", type=int, help="every model's training steps (default: STEPS)")
    parser.add_argument("--eval-items", type=int, default=600)
    parser.add_argument("--models", nargs="+", default=["large", "small"], choices=list(SPECS))
    parser.add_argument("--eval-every", type=int, default=0,
                        help="print held-out accuracy every N steps (0: only at the end)")
    parser.add_argument("--device", default="cpu", help="torch device to train on (cpu, cuda)")
    parser.add_argument("--workers", type=int, default=0,
                        help="processes making the batches (0: the trainer's own; a GPU needs 2+)")
    parser.add_argument("--checkpoint-dir", type=Path,
                        help="save the training state here every 500 steps, and resume from it")
    args = parser.parse_args(argv)
    shared = train.TrainConfig()
    tok = build_tokenizer()
    eval_items = generator.generate(args.eval_items, seed=EVAL_SEED)
    manifest = {
        "note": "Demo world models: trained by llmopt.demo.build on the synthetic support "
                "workload. They teach the method; they are not real-model claims.",
        "recipe": shared.model_dump(exclude={"steps"}),
        "data": {"generator": "llmopt.demo.generator", "train_stream_seed": shared.seed,
                 "tokenizer_seed": TOKENIZER_SEED, "eval_seed": EVAL_SEED,
                 "eval_items": args.eval_items, "hard_share": shared.hard_share,
                 "eval_counts": dict(Counter(i.tier for i in eval_items)),
                 "eval_hard_slice_counts": dict(Counter(evaluate.hard_slice(i) for i in eval_items
                                                        if i.tier == "hard"))},
        "torch": torch.__version__,
        "models": {},
    }
    manifest["models"] = _kept_models(args.out / "manifest.json", manifest)
    for name in args.models:
        cfg = shared.model_copy(update={"steps": args.steps or STEPS[name]})
        checkpoint = args.checkpoint_dir / f"{name}.pt" if args.checkpoint_dir else None
        run = train.TrainRun(device=args.device, workers=args.workers, checkpoint=checkpoint,
                             eval_every=args.eval_every)
        manifest["models"][name] = build_model(name, tok, cfg, args.out, eval_items, run=run)
        (args.out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
