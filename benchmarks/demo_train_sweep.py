"""Train candidate demo models side by side for a fixed time, and compare their held-out accuracy.

Made for a lent GPU (issue 10: which size and training budget give `large` the hard tier's item
lookup, and whether `small` stays far below it): every candidate runs in its own process on the
one device, with worker processes making its batches, through the build's own code
(`llmopt.demo.build.build_model`). A candidate with `steps=None` first times 60 steps, then
trains for as many steps as fit before the deadline (the count is printed and saved, so a CPU
rebuild can use it with `python -m llmopt.demo.build --steps N`).

    python benchmarks/demo_train_sweep.py --device cuda --seconds 400 --out /tmp/sweep --pack $OUT
    python benchmarks/demo_train_sweep.py --device cpu --seconds 90 --only g h --steps 5 \
        --eval-items 20 --eval-every 2            # a smoke run

Each candidate's folder holds its model (bf16), `entry.json` (its manifest entry) and its log;
`--pack` writes one tar.gz per large candidate and one for the small ones, plus summary.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing as mp
import sys
import tarfile
import time
from pathlib import Path

import torch

from llmopt.demo import assets, build, generator, train

WIDE = {"heads": 8, "kv_heads": 4, "intermediate_size": 1024}
CANDIDATES = {  # name: (model, architecture, batch size, lr, steps; None: fill the time)
    "a": ("large", train.ModelSpec(hidden_size=256, layers=4, **WIDE), 128, 1e-3, None),
    "b": ("large", train.ModelSpec(hidden_size=256, layers=6, **WIDE), 128, 1e-3, None),
    "c": ("large", train.ModelSpec(hidden_size=256, layers=8, **WIDE), 128, 1e-3, None),
    "e": ("large", build.SPECS["large"], 128, 1e-3, None),
    "g": ("small", build.SPECS["small"], 128, 1e-3, None),
    "i": ("small", build.SPECS["small"], 32, 1e-3, 4000),
}
CALIBRATION_STEPS = 60
EVAL_RESERVE_S = 45
"""Time kept after training for the final evaluation and saving."""


def run_candidate(key: str, candidate: tuple, device: str, deadline: float, out: Path,
                  eval_items: int, eval_every: int) -> None:
    folder = out / key
    folder.mkdir(parents=True, exist_ok=True)
    log = (folder / "log.txt").open("w", buffering=1)
    with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
        torch.set_float32_matmul_precision("high")
        name, spec, batch, lr, steps = candidate
        tok = _tokenizer()
        workers = 1 if steps else 2
        recipe = dict(batch_size=batch, lr=lr, threads=1)
        if steps is None:
            steps = _steps_that_fit(spec, tok, recipe, device, workers, deadline)
        cfg = train.TrainConfig(steps=steps, **recipe)
        print(f"candidate {key}: {name} {spec.model_dump()} recipe {cfg.model_dump()}", flush=True)
        items = generator.generate(eval_items, seed=build.EVAL_SEED)
        run = train.TrainRun(device=device, workers=workers, eval_every=eval_every)
        entry = build.build_model(name, tok, cfg, folder, items, spec=spec, run=run)
        entry["recipe"] = cfg.model_dump()
        (folder / "entry.json").write_text(json.dumps(entry, indent=2) + "\n")
        sys.stdout.flush()


def _tokenizer():
    """The shipped tokenizer (a rebuild gives the same file; the manifest holds its hash)."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(assets.model_dir("large"))


def _steps_that_fit(spec, tok, recipe: dict, device: str, workers: int, deadline: float) -> int:
    stamps: list[float] = []
    cfg = train.TrainConfig(steps=CALIBRATION_STEPS, **recipe)
    train.train(spec, tok, cfg, on_step=lambda *_: stamps.append(time.time()),
                run=train.TrainRun(device=device, workers=workers))
    per_step = (stamps[-1] - stamps[10]) / (len(stamps) - 11)
    left = deadline - time.time() - EVAL_RESERVE_S
    steps = max(100, int(0.9 * left / per_step) // 100 * 100)
    print(f"calibration: {per_step * 1000:.1f} ms/step, {left:.0f} s left -> {steps} steps",
          flush=True)
    return steps


def pack(out: Path, dest: Path) -> dict:
    dest.mkdir(parents=True, exist_ok=True)
    summary = {}
    for key in CANDIDATES:
        entry = out / key / "entry.json"
        summary[key] = json.loads(entry.read_text()) if entry.is_file() else None
        if summary[key]:
            summary[key].pop("files")
    (dest / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    groups = {k: [k] for k, c in CANDIDATES.items() if c[0] == "large"}
    groups["small"] = [k for k, c in CANDIDATES.items() if c[0] == "small"]
    for group, keys in groups.items():
        with tarfile.open(dest / f"{group}.tar.gz", "w:gz") as tar:
            for key in keys:
                if (out / key).is_dir():
                    tar.add(out / key, arcname=key)
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--seconds", type=float, default=400, help="training time per candidate")
    parser.add_argument("--out", type=Path, default=Path("/tmp/demo-sweep"))
    parser.add_argument("--pack", type=Path, help="folder for the tarballs and summary.json")
    parser.add_argument("--only", nargs="+", choices=list(CANDIDATES), default=list(CANDIDATES))
    parser.add_argument("--eval-items", type=int, default=600)
    parser.add_argument("--eval-every", type=int, default=2000)
    parser.add_argument("--steps", type=int, help="every fixed-step candidate's steps (smoke runs)")
    args = parser.parse_args()
    if args.steps:
        for key, (name, spec, batch, lr, steps) in CANDIDATES.items():
            CANDIDATES[key] = (name, spec, batch, lr, steps and args.steps)
    deadline = time.time() + args.seconds
    ctx = mp.get_context("spawn")
    procs = {key: ctx.Process(target=run_candidate,
                              args=(key, CANDIDATES[key], args.device, deadline, args.out,
                                    args.eval_items, args.eval_every))
             for key in args.only}
    for proc in procs.values():
        proc.start()
    for key, proc in procs.items():
        proc.join(timeout=max(1.0, deadline + 2 * EVAL_RESERVE_S - time.time()))
        if proc.is_alive():
            print(f"candidate {key}: still running at the deadline, stopped", flush=True)
            proc.kill()
    for key in args.only:
        log = args.out / key / "log.txt"
        lines = log.read_text().splitlines() if log.is_file() else ["(no log)"]
        keep = [ln for ln in lines if "held-out" in ln or "accuracy" in ln or "calibration" in ln
                or "Error" in ln or "candidate" in ln]
        print(f"--- {key}: " + "\n    ".join(keep[-12:] or lines[-5:]), flush=True)
    if args.pack:
        summary = pack(args.out, args.pack)
        for key, entry in summary.items():
            if entry:
                print(key, entry["parameters"], entry["steps"], entry["train_seconds"],
                      {k: round(v, 3) for k, v in entry["accuracy_in_process"].items()},
                      {k: round(v, 3) for k, v in entry["hard_slices_in_process"].items()})


if __name__ == "__main__":
    main()
