"""A JupyterLab server from the running environment and a headless Chromium driving it.

The server listens on loopback on a free port with a token, in a temporary root folder, with
its own config, data, runtime, settings and workspaces folders (nothing of the user's is read
or written), no browser opened, no extension manager, no news or update checks. Chromium is
Debian's (/usr/bin/chromium, or LLMOPT_CHROMIUM); Playwright never downloads a browser here.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("LLMOPT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SERVER_START_S = 180
"""How long the server may take to answer (generous: a loaded 2-core machine)."""

SETTINGS = {
    # every cell rendered (no windowing), so each widget's view exists while it is checked
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false", "checkForUpdates": False},
}


@dataclass
class Jupyter:
    """A running Jupyter server: its base URL, token and root folder."""

    url: str
    token: str
    root: Path
    log: Path
    has_notebook7: bool

    def page_url(self, path: str) -> str:
        return f"{self.url}{path}?token={self.token}"


@dataclass
class PageErrors:
    """What the page reported as broken: console errors and uncaught exceptions."""

    console: list[str] = field(default_factory=list)
    uncaught: list[str] = field(default_factory=list)

    def text(self) -> str:
        lines = [f"uncaught: {e}" for e in self.uncaught] + [f"console: {e}" for e in self.console]
        return "\n".join(lines) or "(the page logged no errors)"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _has_notebook7() -> bool:
    found = subprocess.run([sys.executable, "-c", "import notebook, sys; "
                            "sys.exit(int(notebook.__version__.split('.')[0]) < 7)"],
                           capture_output=True)
    return found.returncode == 0


def _wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    """Poll the server's status endpoint until it answers (or the server died)."""
    deadline = time.monotonic() + SERVER_START_S
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"Jupyter server exited with {process.returncode}:\n"
                               f"{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"Jupyter server did not answer within {SERVER_START_S} s:\n"
                               f"{log.read_text()[-4000:]}")
        time.sleep(0.2)  # polling interval, not a wait for something to happen


@pytest.fixture(scope="package")
def jupyter(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Jupyter]:
    """JupyterLab (and Notebook 7 where installed) from this environment, on loopback."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: install Debian's chromium (make env does, "
                    "via .ci/debs) or set LLMOPT_CHROMIUM")
    base = tmp_path_factory.mktemp("jupyter")
    root, home = base / "root", base / "home"
    for sub in ("config", "data", "runtime", "settings", "workspaces"):
        (home / sub).mkdir(parents=True)
    root.mkdir()
    for name, values in SETTINGS.items():
        path = home / "settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    token, port = secrets.token_hex(16), _free_port()
    config = {
        "ServerApp": {"ip": "127.0.0.1", "port": port, "port_retries": 0, "open_browser": False,
                      "root_dir": str(root), "allow_remote_access": False,
                      "allow_root": os.geteuid() == 0, "terminals_enabled": False},
        "IdentityProvider": {"token": token},
        "LabApp": {"news_url": None, "extension_manager": "readonly",
                   "check_for_updates_class": "jupyterlab.NeverCheckForUpdate",
                   "expose_app_in_browser": True, "user_settings_dir": str(home / "settings"),
                   "workspaces_dir": str(home / "workspaces")},
        "JupyterNotebookApp": {"expose_app_in_browser": True},
        "LanguageServerManager": {"autodetect": False},
    }
    (home / "config" / "jupyter_server_config.json").write_text(json.dumps(config))
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"),
           "JUPYTER_DATA_DIR": str(home / "data"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
           "JUPYTER_PLATFORM_DIRS": "1", "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
           "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    log = base / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "jupyterlab"], cwd=root, env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(f"{url}/api/status?token={token}", process, log)
        yield Jupyter(url=url, token=token, root=root, log=log, has_notebook7=_has_notebook7())
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="package")  # Playwright's sync API keeps an event loop running in
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A headless Chromium context (fresh profile folder) driven by Playwright's sync API."""
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
            viewport={"width": 1400, "height": 2400})
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """results/browser/ under the repository: each widget before and after its control moved."""
    folder = Path(__file__).resolve().parents[2] / "results" / "browser"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder
