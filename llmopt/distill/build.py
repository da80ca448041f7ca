"""Build the shipped students: the demo teacher (`large`, served by vLLM) labels unlabelled
tickets, then students are trained from its labels and distribution, and pruned copies of the
teacher are distilled back from it. Each lands in `llmopt/distill/assets/<name>` with its own
manifest; `assets/manifest.json` lists them with the labels and the build's times.

    python -m llmopt.distill.build            # the shipped students (about 25 min on 2 cores)
    python -m llmopt.distill.build --steps 4 --labels 16 --out /tmp/students   # a smoke run

Training checkpoints as it goes: run it again after an interruption and each student resumes
where it stopped (a finished one is kept). Notebook 11 re-grades the shipped students served by
vLLM, and runs a short training itself to show the mechanics.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch
from transformers import AutoTokenizer, LlamaForCausalLM

from llmopt.bench import Endpoint
from llmopt.demo import assets, generator, prompt
from llmopt.demo.grader import Answer
from llmopt.distill.labels import Labels, require_labels, teacher_labels
from llmopt.distill.prune import (
    PruneRecord,
    channel_importance,
    layer_importance,
    parameters,
    prune_depth,
    prune_width,
    save_pruned,
)
from llmopt.distill.recipe import StudentRecipe
from llmopt.distill.student import MANIFEST, StudentManifest, read_manifest, train_student
from llmopt.profile import Profile
from llmopt.settings import REPO_ROOT

ASSETS = Path(__file__).parent / "assets"
LABEL_SEED = 2_000_003
"""The unlabelled tickets' seed: neither the demo build's training stream nor its held-out
set, nor the profiles' requests (seed 0)."""
CALIBRATION_PROMPTS = 16
PRUNES = {"pruned-depth": ("depth", 1), "pruned-width": ("width", 0.5)}
"""Pruned copies of `large`: one layer of four dropped; half the MLP channels kept."""


def recipes(steps: int) -> dict[str, tuple[str, StudentRecipe]]:
    """Each student's base and recipe; `steps` is the sequence-level student's (the token-level
    ones take half: each step also generates the student's answers and scores them)."""
    half = max(1, steps // 2)
    return {
        "student-sequence": ("small", StudentRecipe(method="sequence", steps=steps,
                                                    batch_size=16, learning_rate=1e-4)),
        "student-token": ("small", StudentRecipe(method="token", steps=half, batch_size=8,
                                                 learning_rate=1e-4, beta=0.5)),
        **{f"{name}-recovered": (name, StudentRecipe(method="token", steps=half, batch_size=8,
                                                     learning_rate=1e-4, beta=0.5))
           for name in PRUNES},
    }


def label(n: int, out: Path) -> Labels:
    """The teacher's labels of `n` unlabelled tickets, from demo `large` served by vLLM (the
    requests persist under `out`: an interrupted labelling resumes)."""
    pilot = Profile.load(REPO_ROOT / "cookbook" / "profiles" / "demo.yaml")
    pilot.prepare()
    items = generator.generate(n, seed=LABEL_SEED)
    with pilot.server("target", extra_args=["-O0"]) as server:
        labels = teacher_labels(Endpoint.of(server, max_tokens=64), items, Answer,
                                results_path=out / "labels.jsonl")
    (out / "labels.json").write_text(labels.model_dump_json() + "\n")
    return require_labels(labels)


def prune(out: Path) -> dict[str, dict]:
    """The pruned copies of `large` (before recovery), ranked on calibration tickets."""
    folder = assets.model_dir("large")
    model = LlamaForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()  # nosec B615 # the shipped demo folder
    tokenizer = AutoTokenizer.from_pretrained(folder)  # nosec B615 # the shipped demo folder
    texts = [prompt.render(i.system, i.user)
             for i in generator.generate(CALIBRATION_PROMPTS, seed=LABEL_SEED + 1)]
    records = {}
    for name, (kind, amount) in PRUNES.items():
        if kind == "depth":
            importance = layer_importance(model, tokenizer, texts)
            pruned, kept = prune_depth(model, int(amount), importance)
            size = model.config.intermediate_size
        else:
            scores = channel_importance(model, tokenizer, texts)
            pruned, size = prune_width(model, float(amount), scores)
            kept, importance = list(range(len(model.model.layers))), [float(s.mean())
                                                                      for s in scores]
        record = PruneRecord(base="demo:large", kind=kind, kept_layers=kept,
                             intermediate_size=size, parameters_before=parameters(model),
                             parameters_after=parameters(pruned), importance=importance)
        save_pruned(pruned, tokenizer, out / name, record)
        records[name] = record.model_dump()
    return records


def portable(manifest: StudentManifest, base: str, folder: Path) -> StudentManifest:
    """The manifest with its base named as the build names it (a pruned base is a build
    product, not a path on this machine), written back."""
    named = manifest.model_copy(update={"base": f"demo:{base}" if base in assets.MODELS
                                        else f"{base} (llmopt.distill.build)"})
    (folder / MANIFEST).write_text(named.model_dump_json(indent=2) + "\n")
    return named


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ASSETS)
    ap.add_argument("--labels", type=int, default=2000, help="unlabelled tickets to label")
    ap.add_argument("--steps", type=int, default=600, help="the sequence-level student's steps")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    labels = label(args.labels, args.out)
    print(f"labels: {len(labels.kept)} kept of {labels.asked}, dropped {labels.dropped}")
    pruned = prune(args.out)
    built = {}
    for name, (base, recipe) in recipes(args.steps).items():
        folder = args.out / name
        if (folder / MANIFEST).is_file():
            built[name] = read_manifest(folder).model_dump(mode="json")
            continue
        base_ref = f"demo:{base}" if base in assets.MODELS else f"./{args.out / base}"
        teacher = "demo:large" if recipe.method == "token" else None
        made = portable(train_student(recipe, base_ref, folder, labels, teacher), base, folder)
        built[name] = made.model_dump(mode="json")
        print(f"{name}: {made.steps} steps, {made.cpu_seconds:.0f} CPU s", flush=True)
    (args.out / "manifest.json").write_text(json.dumps({
        "note": "Demo students: built by llmopt.distill.build from demo `large`'s labels. They "
                "teach the method; they are not real-model claims.",
        "labels": {"teacher": labels.teacher, "asked": labels.asked, "kept": len(labels.kept),
                   "dropped": labels.dropped, "digest": labels.digest, "seed": LABEL_SEED},
        "pruned": pruned, "students": built, "torch": torch.__version__,
        "build_seconds": round(time.perf_counter() - started)}, indent=2) + "\n")


if __name__ == "__main__":
    main()
