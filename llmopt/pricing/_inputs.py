"""Input checks shared by the pricing modules; each failure is a ConfigError naming the value."""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from llmopt.config import read_text
from llmopt.errors import ConfigError

M = TypeVar("M", bound=BaseModel)

_LIST_ALL = 20
"""Up to this many valid names, an error lists them all; past it, only the closest."""


def finite(name: str, value: float) -> float:
    """`value` if it is a finite number, else ConfigError naming `name`."""
    if not _finite(value):
        raise ConfigError(f"{name} must be a finite number, got {value!r}")
    return value


def positive(name: str, value: float) -> float:
    """`value` if it is a finite number > 0, else ConfigError naming `name`."""
    if not _finite(value) or value <= 0:
        raise ConfigError(f"{name} must be a number > 0, got {value!r}")
    return value


def non_negative(name: str, value: float) -> float:
    """`value` if it is a finite number >= 0, else ConfigError naming `name`."""
    if not _finite(value) or value < 0:
        raise ConfigError(f"{name} must be a number >= 0, got {value!r}")
    return value


def fraction(name: str, value: float) -> float:
    """`value` if it lies in (0, 1], else ConfigError naming `name`."""
    if not _finite(value) or not 0 < value <= 1:
        raise ConfigError(f"{name} must be in (0, 1], got {value!r}")
    return value


def unknown(kind: str, value: str, valid: Iterable[str], where: str = "",
            hint: str = "") -> ConfigError:
    """ConfigError for an unknown `kind` `value`: all valid names if few, else the closest."""
    by_lower = {name.lower(): name for name in valid}
    start = f"unknown {kind} {value!r}{where}"
    if len(by_lower) <= _LIST_ALL:
        return ConfigError(f"{start}; valid: {', '.join(sorted(by_lower.values()))}{hint}")
    close = difflib.get_close_matches(value.lower(), list(by_lower), n=5, cutoff=0.6)
    close_names = ", ".join(by_lower[c] for c in close) if close else "none"
    return ConfigError(f"{start}; close matches: {close_names}{hint}")


def read_yaml(path: str | Path, what: str) -> Any:
    """The parsed YAML in `path`; ConfigError naming the path when it is missing or unparsable."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{what} file {path} does not exist")
    try:
        return yaml.safe_load(read_text(path, f"{what} file"))
    except yaml.YAMLError as error:
        raise ConfigError(f"{what} file {path} is not valid YAML: {error}") from None


def validate(model: type[M], data: Any, where: str | Path) -> M:
    """`model` validated from `data`; ConfigError naming `where` and the bad fields otherwise."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ConfigError(f"{where}: {error}") from None


def _finite(value: object) -> bool:
    real = isinstance(value, numbers.Real) and not isinstance(value, bool)
    return real and math.isfinite(value)
