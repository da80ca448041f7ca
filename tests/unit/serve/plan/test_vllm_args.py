"""The argument checker's plumbing without vLLM (tests/integration/test_plan_vllm.py runs it
against vLLM's real parser)."""

import sys
from pathlib import Path

import pytest

from llmopt.errors import ConfigError, ServerStartError
from llmopt.serve.plan.vllm_args import VllmArgChecker, strip_launcher


@pytest.mark.parametrize("argv", [
    ["vllm", "serve", "m", "--dtype", "auto"],
    ["/venv/bin/python", "-m", "vllm.entrypoints.openai.api_server", "m", "--dtype", "auto"],
    ["m", "--dtype", "auto"],
])
def test_strip_launcher(argv: list[str]) -> None:
    assert strip_launcher(argv) == ["m", "--dtype", "auto"]


def test_missing_vllm_environment_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no vLLM environment at .*LLMOPT_VLLM_PYTHON"):
        VllmArgChecker(python=tmp_path / "nothing").start()


def test_a_python_without_vllm_fails_with_its_log() -> None:
    """The main environment has no vllm: the worker dies importing it, and says so."""
    with VllmArgChecker(python=sys.executable, start_timeout_s=60) as checker, \
            pytest.raises(ServerStartError, match="No module named 'vllm'"):
        checker.check(["--model", "m"])
