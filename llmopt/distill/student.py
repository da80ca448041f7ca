"""Train a student and write it as a servable model folder with a manifest.

    manifest = train_student(StudentRecipe(method="sequence", steps=300), base="demo:small",
                             out="results/students/small-seq", labels=labels)

The folder holds the merged weights, the tokenizer and `manifest.json`: the base it started
from, its teacher, the labels' digest, the recipe, the steps done, the CPU seconds it took and
each file's SHA-256. Training checkpoints every `recipe.save_every` steps under
`out/checkpoints`; run it again after an interruption and it resumes from the last one (the
weights come out the same as an uninterrupted run's), then removes them.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path

import torch
from pydantic import BaseModel, ConfigDict

from llmopt.distill.labels import Labels, require_labels
from llmopt.distill.recipe import StudentRecipe
from llmopt.errors import ConfigError
from llmopt.profile import resolve_model
from llmopt.quantize.source import resolve

MANIFEST = "manifest.json"


class StudentManifest(BaseModel):
    """What a student folder holds and how it was made."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base: str
    teacher: str
    labels: str
    """The digest of the labels it trained on (`Labels.digest`)."""
    examples: int
    recipe: StudentRecipe
    steps: int
    cpu_seconds: float
    """Process CPU time of the training (all threads; a resumed training adds the runs before
    it), for the cost of training."""
    wall_seconds: float
    torch: str
    files: dict[str, str]


def train_student(recipe: StudentRecipe, base: str, out: str | Path, labels: Labels,
                  teacher: str | None = None, callbacks: list | None = None) -> StudentManifest:
    """Train `base` (`demo:small`, a model folder or a hub id) on `labels` by `recipe` into
    `out`. `teacher` (token-level only): the model whose distribution the student learns, with
    the same tokenizer. The manifest records both as given."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    require_labels(labels)
    out = Path(out)
    folder = resolve(resolve_model(base))
    tokenizer = AutoTokenizer.from_pretrained(folder)  # nosec B615 # local (quantize.source)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)  # nosec B615 # local
    common = _common(recipe, out / "checkpoints")
    peft = _peft(recipe)
    if recipe.method == "sequence":
        from llmopt.distill.sequence_level import sequence_trainer

        trainer = sequence_trainer(model, tokenizer, labels, common, peft)
    else:
        trainer = _token_trainer(recipe, model, tokenizer, folder, teacher, labels, common, peft)
    clock = _clock(out / "checkpoints")
    for callback in [clock, *(callbacks or [])]:
        trainer.add_callback(callback)
    trainer.train(resume_from_checkpoint=_last_checkpoint(out / "checkpoints"))
    trained = trainer.model.merge_and_unload() if peft else trainer.model
    trained.to(torch.bfloat16).save_pretrained(out)  # as the demo models ship, and vLLM serves
    tokenizer.save_pretrained(out)
    shutil.rmtree(out / "checkpoints", ignore_errors=True)
    manifest = StudentManifest(
        base=base, teacher=teacher or labels.teacher, labels=labels.digest,
        examples=len(labels.kept), recipe=recipe, steps=trainer.state.global_step,
        cpu_seconds=round(clock.spent()["cpu"], 1), wall_seconds=round(clock.spent()["wall"], 1),
        torch=torch.__version__,
        files={p.name: _sha256(p) for p in sorted(out.iterdir()) if p.is_file()
               and p.name != MANIFEST})
    (out / MANIFEST).write_text(manifest.model_dump_json(indent=2) + "\n")
    return manifest


def read_manifest(folder: str | Path) -> StudentManifest:
    """A student folder's manifest; ConfigError when it is missing or a file does not match."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise ConfigError(f"{folder} has no {MANIFEST}: not a student folder (train_student "
                          "writes one)")
    manifest = StudentManifest.model_validate(json.loads(path.read_text()))
    changed = [name for name, digest in manifest.files.items()
               if _sha256(Path(folder) / name) != digest]
    if changed:
        raise ConfigError(f"{folder}: {', '.join(changed)} changed since the student was built")
    return manifest


def _token_trainer(recipe, model, tokenizer, folder, teacher, labels, common, peft):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from llmopt.distill.token_level import same_tokenizer, token_trainer

    if teacher is None:
        raise ConfigError("token-level distillation needs the teacher model itself (teacher=...)"
                          ": it scores every token of the student's answers")
    teacher_folder = resolve(resolve_model(teacher))
    same_tokenizer(tokenizer, AutoTokenizer.from_pretrained(teacher_folder),  # nosec B615 # local
                   str(folder), teacher)
    teacher_model = AutoModelForCausalLM.from_pretrained(  # nosec B615 # local (quantize.source)
        teacher_folder, dtype=torch.float32).eval()
    return token_trainer(model, tokenizer, teacher_model, labels, common, recipe, peft)


def _clock(checkpoints: Path):
    """A callback that keeps the CPU and wall seconds spent so far beside the checkpoints, so a
    resumed training counts the runs before it."""
    from transformers import TrainerCallback

    class Clock(TrainerCallback):
        def __init__(self):
            self.file = checkpoints / "spent.json"
            self.before = json.loads(self.file.read_text()) if self.file.is_file() else \
                {"cpu": 0.0, "wall": 0.0}
            self.cpu, self.wall = time.process_time(), time.perf_counter()

        def spent(self) -> dict[str, float]:
            return {"cpu": self.before["cpu"] + time.process_time() - self.cpu,
                    "wall": self.before["wall"] + time.perf_counter() - self.wall}

        def on_save(self, args, state, control, **kwargs):
            self.file.write_text(json.dumps(self.spent()))

    return Clock()


def _common(recipe: StudentRecipe, checkpoints: Path) -> dict:
    """TrainingArguments both trainers share: steps, rate, seeds, checkpoints, no reporting."""
    return {"output_dir": str(checkpoints), "max_steps": recipe.steps,
            "per_device_train_batch_size": recipe.batch_size,
            "learning_rate": recipe.learning_rate, "lr_scheduler_type": "cosine",
            "warmup_steps": max(1, recipe.steps // 10),
            "seed": recipe.seed, "data_seed": recipe.seed, "save_strategy": "steps",
            "save_steps": recipe.save_every, "logging_steps": max(1, recipe.steps // 10),
            "report_to": [], "use_cpu": not torch.cuda.is_available(), "bf16": False,
            "dataloader_num_workers": 0, "disable_tqdm": False}


def _peft(recipe: StudentRecipe):
    if recipe.lora is None:
        return None
    from peft import LoraConfig

    spec = recipe.lora
    return LoraConfig(r=spec.r, lora_alpha=spec.alpha, lora_dropout=spec.dropout,
                      target_modules=spec.target_modules, task_type="CAUSAL_LM")


def _last_checkpoint(folder: Path) -> str | None:
    found = sorted(folder.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
    return str(found[-1]) if found else None


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
