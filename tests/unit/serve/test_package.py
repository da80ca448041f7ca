import subprocess
import sys

import llmopt.serve


def test_public_names_are_exported() -> None:
    for name in llmopt.serve.__all__:
        assert hasattr(llmopt.serve, name), name


def test_import_stays_headless() -> None:
    code = (
        "import sys, llmopt.serve; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'vllm', 'jupyter', 'ipywidgets', 'IPython', 'torch', 'transformers'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
