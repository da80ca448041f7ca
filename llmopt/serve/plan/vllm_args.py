"""Check launch commands with vLLM's own argument parser before anyone rents a GPU.

A `VllmArgChecker` runs `vllm_worker.py` in the vLLM environment (Settings.vllm_python): it
builds vLLM's `vllm serve` parser once (its imports take ~30 s on 2 cores) and then checks each
argument list in well under a second: vLLM's parser (flags, types, choices), its serve-argument
checks, `EngineArgs.from_cli_args` and, by default, `create_engine_config` (the model's config
against the flags: context length, tensor parallel size against heads, cache and scheduler
limits). No GPU and no network: the hub is offline, and a hub model that is not cached is
checked against a stand-in config.json of its shape (`ModelShape.to_config`).

`check_args(argv)` uses one shared checker per process; `prestart()` launches it early so its
imports overlap other work.
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel, ConfigDict

from llmopt.errors import ConfigError, ServerStartError, ServerTimeoutError
from llmopt.serve.logs import tail
from llmopt.settings import get_settings

WORKER = Path(__file__).with_name("vllm_worker.py")
MARK = "@@llmopt-vllm-args@@ "
_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "VLLM_NO_USAGE_STATS": "1",
        "DO_NOT_TRACK": "1", "PYTHONUNBUFFERED": "1", "VLLM_LOGGING_LEVEL": "ERROR"}
_LAUNCHERS = (["vllm", "serve"], ["-m", "vllm.entrypoints.openai.api_server"])


class ArgCheck(BaseModel):
    """vLLM's verdict on one argument list."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ok: bool
    argv: list[str]
    """The flags checked (the launcher, e.g. `vllm serve`, removed)."""
    stage: str
    """The last stage run: parser, serve-args, engine-args or engine-config."""
    error: str | None = None
    """vLLM's reason for rejecting the arguments."""
    checked: list[str] = []
    """The stages passed."""
    note: str | None = None
    vllm_version: str
    seconds: float

    def __str__(self) -> str:
        verdict = "accepted" if self.ok else f"REJECTED at {self.stage}: {self.error}"
        return f"vLLM {self.vllm_version} {verdict} (checked: {', '.join(self.checked) or '-'})"


class VllmArgChecker:
    """One worker process in the vLLM environment; `check()` as often as needed, then close()."""

    def __init__(self, python: str | Path | None = None, start_timeout_s: float = 300.0) -> None:
        self.python = Path(python or get_settings().vllm_python)
        self.start_timeout_s = start_timeout_s
        self.vllm_version: str | None = None
        self._proc: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._log: IO[str] | None = None
        self._pump: threading.Thread | None = None
        self.log_path: Path | None = None
        """The worker's stderr (kept after close())."""

    def start(self) -> VllmArgChecker:
        """Launch the worker (returns at once; the first check waits until it is ready)."""
        if self._proc is not None:
            return self
        if not self.python.exists():
            raise ConfigError(f"no vLLM environment at {self.python}: build it (make env) or "
                              "set LLMOPT_VLLM_PYTHON to a Python that has vllm")
        self.vllm_version = None
        self._lines = queue.Queue()
        fd, name = tempfile.mkstemp(prefix="llmopt-vllm-args-", suffix=".log")
        os.close(fd)
        self.log_path = Path(name)
        self._log = self.log_path.open("w+")
        self._proc = subprocess.Popen(
            [str(self.python), "-u", str(WORKER)], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self._log, text=True, env=os.environ | _ENV,
            start_new_session=True)
        self._pump = threading.Thread(target=_pump, args=(self._proc.stdout, self._lines),
                                      daemon=True)
        self._pump.start()
        return self

    def check(self, argv: list[str], *, stand_in: dict[str, Any] | None = None,
              engine_config: bool = True, timeout_s: float = 120.0) -> ArgCheck:
        """vLLM's verdict on `argv` (with or without a leading `vllm serve`)."""
        self.start()
        self._wait_ready()
        flags = strip_launcher(argv)
        started = time.monotonic()
        request = {"argv": flags, "stand_in": stand_in, "engine_config": engine_config}
        proc = self._proc
        if proc is None or proc.stdin is None:
            raise ServerStartError("vLLM's argument checker is not running", self._log_text())
        proc.stdin.write(json.dumps(request) + "\n")
        proc.stdin.flush()
        reply = self._read(timeout_s)
        return ArgCheck(argv=flags, vllm_version=self.vllm_version or "?",
                        seconds=time.monotonic() - started, **reply)

    def close(self) -> None:
        """Stop the worker; safe to call twice."""
        if self._proc is not None:
            if self._proc.stdin is not None:
                self._proc.stdin.close()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            if self._pump is not None:
                self._pump.join(timeout=5)
            if self._proc.stdout is not None:
                self._proc.stdout.close()
            self._proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> VllmArgChecker:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _wait_ready(self) -> None:
        if self.vllm_version is None:
            self.vllm_version = self._read(self.start_timeout_s)["vllm_version"]

    def _read(self, timeout_s: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self.close()
                raise ServerTimeoutError(f"vLLM's argument checker gave no answer within "
                                         f"{timeout_s:g} s (stopped it)") from None
            if line is None:
                log = self._log_text()
                self.close()
                raise ServerStartError("vLLM's argument checker exited", tail(log))
            if line.startswith(MARK):
                reply = json.loads(line.removeprefix(MARK))
                reply.pop("ready", None)
                return reply

    def _log_text(self) -> str:
        if self._log is None:
            return ""
        self._log.flush()
        return self.log_path.read_text(errors="replace")


def strip_launcher(argv: list[str]) -> list[str]:
    """`argv` without a leading `vllm serve` or `python -m vllm.entrypoints.openai.api_server`."""
    argv = list(argv)
    for launcher in _LAUNCHERS:
        for start in range(min(2, len(argv))):
            if argv[start:start + len(launcher)] == launcher:
                return argv[start + len(launcher):]
    return argv


_SHARED: VllmArgChecker | None = None


def shared_checker() -> VllmArgChecker:
    """The process's checker, started on first use and stopped at exit."""
    global _SHARED
    if _SHARED is None:
        _SHARED = VllmArgChecker()
        atexit.register(_SHARED.close)
    return _SHARED.start()


def prestart() -> None:
    """Start the shared checker now, so its imports run while other work goes on."""
    shared_checker()


def check_args(argv: list[str], **options: Any) -> ArgCheck:
    """vLLM's verdict on `argv` from the shared checker (see VllmArgChecker.check)."""
    return shared_checker().check(argv, **options)


def _pump(stream: IO[str] | None, lines: queue.Queue[str | None]) -> None:
    if stream is not None:
        for line in stream:
            lines.put(line.rstrip("\n"))
    lines.put(None)


def check_ray_args(argv: list[str], **options: Any) -> ArgCheck:
    """A multi-node (Ray) command: every stage but the engine config on the full flags, then the
    engine config without `--distributed-executor-backend ray` (Ray is not installed in a CPU
    vLLM environment, and the engine config imports it)."""
    full = check_args(argv, **(options | {"engine_config": False}))
    if not full.ok:
        return full
    local = check_args(_without_backend(strip_launcher(argv)), **options)
    note = ("engine config checked without --distributed-executor-backend ray (Ray is imported "
            "when the engine config is built)") + (f"; {local.note}" if local.note else "")
    return local.model_copy(update={"argv": full.argv, "note": note,
                                    "seconds": full.seconds + local.seconds})


def _without_backend(flags: list[str]) -> list[str]:
    at = flags.index("--distributed-executor-backend") if (
        "--distributed-executor-backend" in flags) else None
    return flags if at is None else flags[:at] + flags[at + 2:]
