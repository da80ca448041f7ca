"""The third-party lines llmopt.quiet and llmopt.quantize.compressor drop, checked against the
real libraries in a fresh process (the lines come once per process, most on import): MiniLM's
ONNX export into an empty cache (torch's exporter, ONNX Runtime's quantizer), an AWQ artifact of
demo `large` (llm-compressor, torch.fx, bitsandbytes on import) and LLM.int8() on two requests.
If a library rewords its message, this fails before a notebook shows it again."""

from __future__ import annotations

import subprocess
import sys

import pytest

from llmopt import quiet
from llmopt.settings import REPO_ROOT
from llmopt.workshop.outputs import noisy

SCRIPT = """
import pathlib, sys
from llmopt.embed.onnx_minilm import exported_model
from llmopt.embed.weights import minilm_path
from llmopt.profile import resolve_model
from llmopt.quantize import Calibration, bnb, quantize
from llmopt.demo import generator

tmp = pathlib.Path(sys.argv[1])
exported_model(pathlib.Path(minilm_path()), tmp / "cache")
quantize(resolve_model("demo:large"), "awq_w4a16", tmp / "awq",
         Calibration(workload="demo", samples=2, seed=1, max_seq_length=256))
bnb.evaluate(resolve_model("demo:small"), "bnb_int8", generator.generate(2, seed=0),
             max_new_tokens=4)
print("done")
"""


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_the_libraries_lines_stay_out_of_the_output(tmp_path):
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "done"
    dropped = [prefix for _, prefix in quiet.DROPPED] + ["No accelerator available"]
    # stderr keeps transformers' plain-text progress bars here (widgets in a notebook)
    shown = [line for line in done.stderr.splitlines()
             if noisy(line) or any(prefix in line for prefix in dropped)]
    assert shown == []
