"""A model reference: a local folder (checked) or a hub id (passed through)."""

from __future__ import annotations

from pathlib import Path

from llmopt.errors import AssetError

_LOCAL_PREFIXES = ("/", "./", "../", "~")


def is_local(model: str) -> bool:
    """True when `model` looks like a path (absolute, ./, ../, ~) rather than a hub id."""
    return model in (".", "..") or model.startswith(_LOCAL_PREFIXES)


def expand(model: str) -> str:
    """`model` with `~` expanded when it is local; hub ids unchanged."""
    return str(Path(model).expanduser()) if is_local(model) else model


def check_model_dir(model: str, role: str = "model") -> None:
    """Raise AssetError when a local-looking `model` is missing or has no config.json."""
    if not is_local(model):
        return
    path = Path(model).expanduser()
    if not path.is_dir():
        raise AssetError(f"{role} folder {model!r} ({path.resolve()}) does not exist")
    if not (path / "config.json").is_file():
        raise AssetError(f"{role} folder {model!r} has no config.json; is it a model folder?")
