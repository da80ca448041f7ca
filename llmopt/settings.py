"""One place for paths, ports and key names; every field can be set as LLMOPT_<FIELD>."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LLMOPT_", extra="forbid")

    results_dir: Path = REPO_ROOT / "results"
    """Where a pilot writes executed notebooks, benchmark results and its summary."""
    vllm_python: Path = REPO_ROOT / ".venv-vllm" / "bin" / "python"
    """Python of the vLLM environment; llmopt starts the server with it."""
    cache_dir: Path = Path.home() / ".cache" / "llmopt"
    """Files llmopt derives once and reuses (the router's int8 ONNX MiniLM); `make env` builds
    its environments under venvs/ here too (.ci/venv reads the same LLMOPT_CACHE_DIR)."""
    host: str = "127.0.0.1"
    kv_cache_space_gib: float = 1.0
    """VLLM_CPU_KVCACHE_SPACE for the CPU build: KV-cache memory in GiB."""
    startup_timeout_s: float = 300.0
    """How long a server may take to become healthy (start-up is 50-80 s on 2 cores)."""
    openai_api_key_env: str = "OPENAI_API_KEY"
    """Name (not value) of the environment variable holding a hosted API's key."""


def get_settings() -> Settings:
    return Settings()
