import subprocess
import sys

import llmopt.bench


def test_public_names_are_exported() -> None:
    for name in llmopt.bench.__all__:
        assert hasattr(llmopt.bench, name), name


def test_import_stays_headless() -> None:
    code = (
        "import sys, llmopt.bench; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'vllm', 'jupyter', 'ipywidgets', 'IPython', 'torch', 'transformers'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
