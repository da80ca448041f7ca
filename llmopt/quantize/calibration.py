"""`Calibration`: the prompts AWQ, GPTQ and SmoothQuant read activations from.

The demo profile calibrates on the demo workload's prompts (a seed other than the evaluation's,
so calibration and evaluation requests differ); the gpu profile on the team's workload file.
Each prompt is rendered with the model's own chat template, as the server will see it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from llmopt import workload
from llmopt.demo import generator
from llmopt.errors import ConfigError
from llmopt.workload import WorkloadItem


class Calibration(BaseModel):
    """Which requests calibrate, how many, and how long each may be."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    workload: str = "demo"
    """`demo` (generated with `seed`) or a workload JSONL file."""
    samples: int = Field(default=32, ge=1)
    seed: int = 1
    """Seed of the generated demo workload (the notebooks evaluate on seed 0)."""
    skip: int = Field(default=0, ge=0)
    """Leave out a workload file's first `skip` requests (the ones a pilot evaluates on)."""
    max_seq_length: int = Field(default=1024, ge=16)
    """Longer prompts are cut to this many tokens."""

    def items(self) -> list[WorkloadItem]:
        """The first `samples` requests; ConfigError if the workload has fewer."""
        if self.workload == "demo":
            return generator.generate(self.samples, seed=self.seed)
        path = Path(self.workload).expanduser()
        if not path.is_file():
            raise ConfigError(f"calibration workload {self.workload!r} does not exist; give a "
                              "workload JSONL file (one llmopt WorkloadItem per line) or 'demo'")
        items = workload.load_jsonl(path)[self.skip :]
        if len(items) < self.samples:
            raise ConfigError(f"calibration workload {self.workload!r} has {len(items)} requests "
                              f"after skip={self.skip}, fewer than samples={self.samples}; lower "
                              "samples or skip, or add requests")
        return items[: self.samples]

    def texts(self, tokenizer: Any) -> list[str]:
        """Each request rendered with `tokenizer`'s chat template, ready for the assistant."""
        if not getattr(tokenizer, "chat_template", None):
            raise ConfigError("the model's tokenizer has no chat template; calibration renders "
                              "requests with it (add chat_template.jinja to the model folder)")
        return [tokenizer.apply_chat_template(item.messages(), tokenize=False,
                                              add_generation_prompt=True)
                for item in self.items()]


def fingerprint(texts: list[str]) -> str:
    """sha256 of the calibration texts, in order: the manifest's proof of what was read."""
    digest = hashlib.sha256()
    for text in texts:
        digest.update(hashlib.sha256(text.encode()).digest())
    return digest.hexdigest()
