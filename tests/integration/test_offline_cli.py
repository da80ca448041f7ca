"""Every `llmopt` command runs with the network blocked and an empty tiktoken cache: a clear
error or a result, never a download attempt (the CLI's callback seeds tiktoken's files)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .test_offline_demo import _can_isolate

LLMOPT = str(Path(sys.executable).with_name("llmopt"))
COMMANDS = ["pilot", "bench", "plan", "quantize", "demo-build"]

pytestmark = pytest.mark.skipif(not _can_isolate(),
                                reason="this machine cannot create a network namespace")


def offline_llmopt(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """`llmopt *args` in a fresh network namespace (loopback only), tiktoken's cache empty."""
    command = ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$0" "$@"', LLMOPT, *args]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(cwd),
           "TIKTOKEN_CACHE_DIR": str(cwd / "tiktoken"), "COLUMNS": "200"}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("name", ["--help", *COMMANDS])
def test_help_of_every_command_offline(name, tmp_path) -> None:
    done = offline_llmopt([name] if name == "--help" else [name, "--help"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Usage" in done.stdout


def test_bench_offline_says_cannot_connect(tmp_path) -> None:
    done = offline_llmopt(["bench", "--endpoint", "http://127.0.0.1:9/v1", "--model", "x",
                           "--workload", "demo", "--profile", "synchronous", "--max-requests",
                           "2", "--out", "b.jsonl", "--no-progress"], tmp_path)
    assert done.returncode == 1
    assert "error: cannot connect to http://127.0.0.1:9/v1" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_plan_offline_prints_a_plan(tmp_path) -> None:
    done = offline_llmopt(["plan", "--model", "demo:large", "--context", "1024",
                           "--concurrency", "4", "--no-check"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "# vllm serve" in done.stdout


@pytest.mark.parametrize("args", [
    ["pilot", "--profile", "missing.yaml"],
    ["quantize", "--model", "demo:small", "--out", "q", "--scheme", "nope"],
])
def test_bad_input_offline_is_a_clear_error(args, tmp_path) -> None:
    done = offline_llmopt(args, tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and "Traceback" not in done.stderr


BENCH = ["bench", "--endpoint", "http://127.0.0.1:9/v1", "--model", "x", "--profile",
         "synchronous", "--max-requests", "2", "--no-progress"]


def test_bench_keeps_an_earlier_run_unless_told(tmp_path) -> None:
    from tests.unit.bench.records import record

    earlier = (tmp_path / "b.jsonl")
    earlier.write_text(record(0).model_dump_json() + "\n")
    done = offline_llmopt([*BENCH, "--workload", "demo", "--out", "b.jsonl"], tmp_path)
    assert done.returncode == 2 and "--resume" in done.stderr and "--overwrite" in done.stderr
    assert earlier.read_text() == record(0).model_dump_json() + "\n"


def test_a_workload_that_is_not_utf8_is_named(tmp_path) -> None:
    (tmp_path / "w.jsonl").write_bytes('{"id": "a", "system": "s", "user": "café"}\n'
                                       .encode("latin-1"))
    done = offline_llmopt([*BENCH, "--workload", "w.jsonl", "--out", "b.jsonl"], tmp_path)
    assert done.returncode == 2, done.stderr
    assert "w.jsonl' is not UTF-8: byte 0xe9 on line 1" in done.stderr
    assert "Traceback" not in done.stderr
