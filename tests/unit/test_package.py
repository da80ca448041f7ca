"""Every public package exports what it lists and stays headless (no jupyter, widgets, vllm,
torch at import: notebooks and servers are optional, the core is not)."""

import importlib
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

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


@pytest.fixture(scope="module")
def heavy_imports() -> dict[str, str]:
    """For each package, the heavy modules a fresh interpreter holds after importing it alone
    (a process per package, as many at once as there are cores), or why the import failed."""
    code = ("import importlib, sys; importlib.import_module(sys.argv[1]); "
            f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({sorted(HEAVY)!r})))")

    def heavy(name: str) -> str:
        done = subprocess.run([sys.executable, "-c", code, name], capture_output=True, text=True,
                              check=False)
        return done.stdout.strip() if done.returncode == 0 else done.stderr[-2000:]

    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        return dict(zip(PACKAGES, pool.map(heavy, PACKAGES), strict=True))


@pytest.mark.parametrize("name", PACKAGES)
def test_import_stays_headless(name, heavy_imports):
    assert heavy_imports[name] == "[]", f"{name} imports {heavy_imports[name]}"
