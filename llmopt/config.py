"""Configs as data: one YAML reader and one validator for families of configs told apart by a
tag field (a load profile's `kind`, a compression method's `kind`, a recipe's `scheme`).

Bad input gets a ConfigError that names it: the file that does not exist or is not UTF-8, the
line of a YAML syntax error, a document that is not a mapping, an unknown tag (with the valid
ones), or each bad field with the value it got.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Generic, TypeVar, Union

import yaml
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from llmopt.errors import ConfigError

T = TypeVar("T", bound=BaseModel)


def read_text(path: Path, what: str) -> str:
    """The UTF-8 text of `path`; a ConfigError naming the file, the line and the byte where it
    is not UTF-8 (a Latin-1 export, say)."""
    return decoded(path.read_bytes(), f"{what} {str(path)!r}")


def decoded(data: bytes, where: str, first_line: int = 1) -> str:
    """`data` as UTF-8; a ConfigError naming `where`, the line and the byte where it is not."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = first_line + data.count(b"\n", 0, exc.start)
        raise ConfigError(f"{where} is not UTF-8: byte {data[exc.start]:#04x} on line {line} "
                          f"({exc.reason}); save it as UTF-8") from None


def read_yaml(source: str | Path, what: str) -> dict[str, Any]:
    """The mapping in a YAML file (a `Path`, or a one-line string ending in .yaml / .yml) or
    in YAML text (any other string); `what` names it in errors ("recipe", "profile", ...)."""
    if isinstance(source, Path) or _looks_like_path(source):
        path = Path(source).expanduser()
        if not path.is_file():
            raise ConfigError(f"{what} file {str(source)!r} does not exist")
        source, where = read_text(path, f"{what} file"), f"{what} file {str(path)!r}"
    else:
        where = what
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{where} is not valid YAML{line}: "
                          f"{getattr(error, 'problem', None) or error}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{where} must be a mapping of fields, got {type(data).__name__}")
    return data


def explain(error: ValidationError, tagged: bool = False) -> str:
    """Pydantic's errors, one `field: message (got value)` each, on one line (`tagged`: the
    first step of each error's location is the family member, left out)."""
    parts = []
    for e in error.errors():
        loc = e["loc"][1:] if tagged else e["loc"]
        got = f" (got {e['input']!r})" if loc else ""
        parts.append(f"{'.'.join(map(str, loc)) or 'config'}: {e['msg']}{got}")
    return "; ".join(parts)


class Tagged(Generic[T]):
    """A family of pydantic configs told apart by the field `tag`: `members` maps each tag
    value to its class. `validate` takes config data (a mapping) or a member as it is."""

    def __init__(self, what: str, tag: str, members: Mapping[str, type[T]]) -> None:
        self.what, self.tag, self.members = what, tag, dict(members)
        union = Union[tuple(self.members.values())]  # noqa: UP007 - built at run time
        self._adapter: TypeAdapter[Any] = TypeAdapter(Annotated[union, Field(discriminator=tag)])

    def validate(self, data: Mapping[str, Any] | T) -> T:
        if isinstance(data, tuple(self.members.values())):
            return data
        if not isinstance(data, Mapping):
            raise ConfigError(f"a {self.what} must be a mapping with a `{self.tag}`, got "
                              f"{type(data).__name__}")
        value = data.get(self.tag)
        if value not in self.members:
            raise ConfigError(f"unknown {self.what} {self.tag} {value!r}; valid: "
                              f"{', '.join(self.members)}")
        try:
            return self._adapter.validate_python(dict(data))
        except ValidationError as error:
            raise ConfigError(f"bad {value} {self.what}: {explain(error, tagged=True)}") from None


def _looks_like_path(text: str) -> bool:
    return "\n" not in text and ": " not in text and text.endswith((".yaml", ".yml"))
