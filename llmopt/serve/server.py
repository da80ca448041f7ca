"""`VllmServer`: one real vLLM OpenAI-compatible server, started as a subprocess group.

Start-up and shutdown leave nothing behind: the server runs in its own process group
(vLLM spawns engine processes), and `stop()` — called on errors, Ctrl-C, `with` exit and
interpreter exit — terminates the whole group. `serving` starts several servers at once (the
settings a notebook compares side by side) and stops them all on the way out.

`VllmServer.attached` is a server someone else runs (the pilot's shared servers, a workshop's GPU
box, a team's deployment): the same interface, but `start()` only checks that it serves the
model, `stop()` leaves it running and `kill()` refuses.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO

import httpx

from llmopt.errors import (
    ConfigError,
    PortInUseError,
    ServerError,
    ServerStartError,
    ServerTimeoutError,
)
from llmopt.redaction import child_env
from llmopt.serve.config import ServeConfig
from llmopt.serve.launch import LaunchCommand, default_env
from llmopt.serve.logs import find_arg_error, parse_kv_cache_tokens, tail, without_usage
from llmopt.serve.metrics import MetricsSnapshot
from llmopt.serve.ports import free_port, port_is_free
from llmopt.settings import get_settings

_POLL_S = 0.5
_TERM_GRACE_S = 20.0
_GROUP_GRACE_S = 5.0
_LIVE: set[VllmServer] = set()
"""Servers started and not yet stopped; the atexit hook stops them."""


class VllmServer:
    """A vLLM server for one `ServeConfig`; use as a context manager or call start()/stop()."""

    def __init__(
        self,
        config: ServeConfig,
        *,
        launcher: list[str] | None = None,
        log_path: str | Path | None = None,
        env: dict[str, str] | None = None,
        startup_timeout_s: float | None = None,
    ) -> None:
        settings = get_settings()
        default_launcher = [str(settings.vllm_python), "-m", "vllm.entrypoints.openai.api_server"]
        self.config = config
        self.host = settings.host
        self.launcher = list(launcher) if launcher else default_launcher
        self.env_overrides = default_env(config, settings, self.launcher[0]) | dict(env or {})
        self.startup_timeout_s = startup_timeout_s or settings.startup_timeout_s
        self._log_path = Path(log_path) if log_path else None
        self._port = config.port
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None
        self.startup_s: float | None = None
        """Seconds from launch to the first healthy answer, once started."""
        self._attached_url: str | None = None

    @classmethod
    def attached(cls, config: ServeConfig, base_url: str, *, log_path: str | Path | None = None,
                 startup_s: float | None = None) -> VllmServer:
        """A server already running at `base_url` (ending in /v1) for `config` (its model, the
        name it serves under, `api_key_env` for the key clients send); `log_path`: its log,
        where this machine can read it (the KV capacity is read from there)."""
        server = cls(config, log_path=log_path)
        server._attached_url = base_url.rstrip("/").removesuffix("/v1")
        server.startup_s = startup_s
        return server

    @property
    def is_attached(self) -> bool:
        """True for a server this object did not start and will not stop."""
        return self._attached_url is not None

    # --- addresses -------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The HTTP port (picked on first use when the config leaves it None)."""
        if self._port is None:
            self._port = free_port(self.host)
        return self._port

    @property
    def url(self) -> str:
        """Root URL of the server, e.g. http://127.0.0.1:8000."""
        return self._attached_url or f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """OpenAI-compatible base URL (ends in /v1)."""
        return f"{self.url}/v1"

    @property
    def model_name(self) -> str:
        """The name clients send as `model`."""
        return self.config.name

    @property
    def log_path(self) -> Path:
        """Where the server's stdout and stderr go; kept after stop()."""
        if self._log_path is None:
            folder = Path(tempfile.mkdtemp(prefix="llmopt-vllm-"))
            self._log_path = folder / f"vllm-{self.port}.log"
        return self._log_path

    @property
    def pid(self) -> int | None:
        """Process id (and process-group id) of the server while it runs."""
        return None if self._proc is None else self._proc.pid

    def launch_command(self) -> LaunchCommand:
        """The argv and environment overrides `start()` uses."""
        argv = [*self.launcher, *self.config.to_args(), "--host", self.host]
        if self.config.port is None:
            argv += ["--port", str(self.port)]
        return LaunchCommand(argv=argv, env=self.env_overrides)

    # --- life cycle ------------------------------------------------------------------------

    def start(self) -> VllmServer:
        """Launch and wait until /health answers 200; on any failure nothing is left running."""
        if self._proc is not None:
            return self
        if self.is_attached:
            self._check_attached()
            return self
        self.config.check_assets()
        self._check_port()
        try:
            self._launch()
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Terminate the server's process group (SIGTERM, then SIGKILL); safe to call twice.
        An attached server is left running (it is not ours)."""
        if self._proc is not None:
            _terminate_group(self._proc)
            self._proc = None
            _LIVE.discard(self)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def kill(self) -> None:
        """SIGKILL the whole process group at once: a crash as clients see it (the OOM killer,
        a lost node): open streams break and new connections are refused. For fallback drills;
        `stop()` is the way down that lets vLLM shut its engine. (On SIGTERM vLLM stops its
        engine, then its HTTP server waits for open streams that will never end, so a drill
        that stopped the server measured our SIGTERM grace, not the fallback.)"""
        if self.is_attached:
            raise ConfigError(f"{self.model_name!r} at {self.url} is attached (shared, not "
                              "started here): a drill that kills a server needs one of its own")
        if self._proc is not None:
            _signal_group(self._proc.pid, signal.SIGKILL)
        self.stop()

    @property
    def running(self) -> bool:
        """True while the server process is alive (an attached one: while it answers)."""
        if self.is_attached:
            with httpx.Client(trust_env=False, timeout=5.0) as client:
                return self._healthy(client)
        return self._proc is not None and self._proc.poll() is None

    def __enter__(self) -> VllmServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _check_port(self) -> None:
        if port_is_free(self.host, self.port):
            return
        if self.config.port is None:  # the port picked earlier was taken since: pick again
            self._port = free_port(self.host)
            return
        raise PortInUseError(
            f"port {self.port} on {self.host} is already in use; find its owner with "
            f"`ss -ltnp 'sport = :{self.port}'` and ask them to stop it, or set "
            "ServeConfig.port=None to pick a free port"
        )

    def _launch(self) -> None:
        command = self.launch_command()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log_file = self.log_path.open("ab")
        self._proc = subprocess.Popen(
            command.argv,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            env=child_env(command.env | self._api_key()),
            start_new_session=True,
        )
        _LIVE.add(self)

    def _api_key(self) -> dict[str, str]:
        """VLLM_API_KEY for the child, from the variable `config.api_key_env` names (the rest
        of this process's keys stay out of the child: llmopt.redaction.child_env)."""
        name = self.config.api_key_env
        if name is None:
            return {}
        if not os.environ.get(name):
            raise ConfigError(f"environment variable {name} (api_key_env) is not set; export "
                              "the key the server is to require there")
        return {"VLLM_API_KEY": os.environ[name]}

    def _check_attached(self) -> None:
        """The attached server answers and serves this config's model name."""
        key = os.environ.get(self.config.api_key_env or "", "")
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        try:
            with httpx.Client(trust_env=False, timeout=10.0, headers=headers) as client:
                response = client.get(f"{self.base_url}/models")
        except httpx.TransportError as error:
            raise ServerStartError(f"the attached server {self.base_url} does not answer "
                                   f"({type(error).__name__}); is it running?") from None
        if response.status_code != 200:
            raise ServerStartError(f"the attached server {self.base_url} answered "
                                   f"{response.status_code} to GET /models")
        served = [m.get("id") for m in response.json().get("data", [])]
        if self.model_name not in served:
            raise ConfigError(f"the attached server {self.base_url} serves {served}, not "
                              f"{self.model_name!r}: attach the server that serves it")

    def _wait_healthy(self) -> None:
        started = time.monotonic()
        deadline = started + self.startup_timeout_s
        with httpx.Client(trust_env=False, timeout=5.0) as client:
            while not self._healthy(client):
                self._raise_if_exited()
                if time.monotonic() > deadline:
                    self._raise_timeout()
                time.sleep(_POLL_S)
        self.startup_s = time.monotonic() - started

    def _healthy(self, client: httpx.Client) -> bool:
        try:
            return client.get(f"{self.url}/health").status_code == 200
        except httpx.TransportError:
            return False

    def _raise_if_exited(self) -> None:
        if self._proc is None or self._proc.poll() is None:
            return
        code, log = self._proc.returncode, self.log_text()
        bad_arg = find_arg_error(log)
        if bad_arg is not None:
            log_tail = tail(without_usage(log), 15)
            raise ConfigError(f"vLLM rejected its arguments: {bad_arg}\n{log_tail}")
        message = f"vLLM exited with code {code} during start-up (log: {self.log_path})"
        raise ServerStartError(message, tail(log))

    def _raise_timeout(self) -> None:
        self.stop()
        raise ServerTimeoutError(
            f"vLLM did not answer {self.url}/health within {self.startup_timeout_s:g} s "
            f"(stopped it; log: {self.log_path})\n{tail(self.log_text())}"
        )

    # --- what the server reports -----------------------------------------------------------

    def log_text(self) -> str:
        """Everything the server wrote so far."""
        if self._log_file is not None:
            self._log_file.flush()
        path = self._log_path
        if path is None or not path.exists():
            return ""
        return path.read_text(encoding="utf-8", errors="replace")

    @property
    def kv_cache_tokens(self) -> int | None:
        """KV-cache capacity in tokens as the server logged it (None before it is logged)."""
        return parse_kv_cache_tokens(self.log_text())

    def metrics(self, timeout_s: float = 10.0) -> MetricsSnapshot:
        """Read /metrics now, restricted to this server's model."""
        with httpx.Client(trust_env=False, timeout=timeout_s) as client:
            response = client.get(f"{self.url}/metrics")
        response.raise_for_status()
        return MetricsSnapshot.from_text(response.text, model_name=self.model_name)

    def __repr__(self) -> str:
        state = "attached" if self.is_attached else "running" if self.running else "stopped"
        return f"VllmServer({self.model_name!r}, {self.url}, {state})"


@contextlib.contextmanager
def serving(servers: dict[str, VllmServer], keep_going: bool = False
            ) -> Iterator[dict[str, ServerError]]:
    """Start `servers` at once (a thread each) and stop every one of them on the way out, also
    on an error. Yields the ones that failed to start (name -> error): with `keep_going` the
    others are served anyway (a failed start is a result, e.g. a scheme this CPU cannot run);
    without it the first failure is raised."""
    with ThreadPoolExecutor(max(len(servers), 1)) as pool:
        started = dict(zip(servers, pool.map(_try_start, servers.values()), strict=True))
    try:
        failed = {name: error for name, error in started.items() if error is not None}
        if failed and not keep_going:
            raise next(iter(failed.values()))
        yield failed
    finally:
        for server in servers.values():
            server.stop()


def _try_start(server: VllmServer) -> ServerError | None:
    try:
        server.start()
    except ServerError as error:
        return error
    return None


def _terminate_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server (it shuts its engine down), then the group, then SIGKILL leftovers."""
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=_TERM_GRACE_S)
    _signal_group(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + _GROUP_GRACE_S
    while _group_alive(proc.pid) and time.monotonic() < deadline:
        proc.poll()
        time.sleep(0.1)
    _signal_group(proc.pid, signal.SIGKILL)
    proc.wait()


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    if _group_alive(pgid):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, sig)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@atexit.register
def _stop_all() -> None:
    for server in list(_LIVE):
        server.stop()
