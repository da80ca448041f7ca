import subprocess
import sys

from llmopt import offline


def test_tiktoken_loads_from_the_seeded_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    offline.seed_tiktoken_cache(tmp_path)
    import tiktoken.load

    blob = tiktoken.load.read_file_cached(offline.TIKTOKEN_URLS["cl100k_base"])
    assert blob.startswith(b"IQ== 0")  # base64 of "!" is token 0


def test_importing_llmopt_stays_headless():
    code = ("import sys, llmopt, llmopt.serve, llmopt.profile, llmopt.pilot, llmopt.demo.grader;"
            "bad = [m for m in ('jupyter_client', 'ipywidgets', 'vllm', 'papermill', 'torch')"
            " if m in sys.modules]; print(bad); sys.exit(bool(bad))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
