"""Every public package exports what it lists and stays headless (no jupyter, widgets, vllm,
torch at import: notebooks and servers are optional, the core is not)."""

import importlib
import subprocess
import sys

import pytest

PACKAGES = ["llmopt", "llmopt.serve", "llmopt.bench", "llmopt.pricing", "llmopt.report",
            "llmopt.profile", "llmopt.pilot", "llmopt.demo.grader", "llmopt.demo.generator",
            "llmopt.compress", "llmopt.report.compression"]
PACKAGES += ["llmopt.serve.plan", "llmopt.business", "llmopt.report.business", "llmopt.traffic",
             "llmopt.grading"]
PACKAGES += ["llmopt.quantize", "llmopt.quantize.bnb", "llmopt.quantize.comparison",
             "llmopt.report.quantization"]
HEAVY = {"vllm", "jupyter", "jupyter_client", "ipywidgets", "IPython", "papermill", "torch",
         "transformers"}


@pytest.mark.parametrize("name", PACKAGES)
def test_public_names_are_exported(name):
    module = importlib.import_module(name)
    for exported in getattr(module, "__all__", []):
        assert hasattr(module, exported), f"{name}.{exported}"


@pytest.mark.parametrize("name", PACKAGES)
def test_import_stays_headless(name):
    code = (f"import sys, {name}; "
            f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({sorted(HEAVY)!r})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", f"{name} imports {out.stdout.strip()}"
