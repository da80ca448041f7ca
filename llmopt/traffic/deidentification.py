"""De-identification: fields a team names are hashed or dropped from each log line as it is
read, before it is parsed, so nothing downstream (the workload, the answers, the report, an
error message) ever sees their values.

A field is a dotted path into the line's JSON: `user`, `metadata.user_id`, `messages.0.content`;
`*` steps into every entry of an object or list (`messages.*.content`). A hashed value (any
JSON: text, number, object) becomes `sha256:` and the hex HMAC-SHA-256 of its canonical JSON,
keyed by a salt: the same value gives the same hash within an import (and across imports
sharing the salt), so requests can still be grouped by user without naming them. The salt
comes from an environment variable (`ImportOptions.salt_env`, 16 characters at least); without
one a random salt is drawn for this import, used, and never written anywhere.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Iterator, Mapping
from typing import Any

from llmopt.errors import ConfigError
from llmopt.traffic.options import ImportOptions

MIN_SALT = 16
RANDOM_SALT_NOTE = ("hashed with a random salt drawn for this import (no --salt-env): hashes "
                    "match within this import only; to link imports, keep a secret of "
                    f"{MIN_SALT}+ characters in an environment variable and pass --salt-env")


class Deidentifier:
    """Hashes and drops the named fields of each line in place; counts the lines each field
    was found in (a field found nowhere is likely misspelled: the report says so)."""

    def __init__(self, hash_fields: tuple[str, ...] = (), drop_fields: tuple[str, ...] = (),
                 salt: str = "") -> None:
        if hash_fields and len(salt) < MIN_SALT:
            raise ConfigError(f"a hashing salt needs {MIN_SALT} characters at least")
        self._key = salt.encode()
        self._drop = [(path, path.split(".")) for path in drop_fields]
        self._hash = [(path, path.split(".")) for path in hash_fields]
        self.found: dict[str, int] = {path: 0 for path in (*drop_fields, *hash_fields)}

    @classmethod
    def from_options(cls, options: ImportOptions, environ: Mapping[str, str] | None = None
                     ) -> tuple[Deidentifier, str | None]:
        """The de-identifier `options` ask for, and a note to report when its salt is random."""
        environ = os.environ if environ is None else environ
        if not options.hash_fields:
            return cls(drop_fields=options.drop_fields), None
        if options.salt_env is None:
            return cls(options.hash_fields, options.drop_fields,
                       secrets.token_hex(32)), RANDOM_SALT_NOTE
        salt = environ.get(options.salt_env, "")
        if len(salt) < MIN_SALT:
            state = "is not set" if options.salt_env not in environ else (
                f"holds {len(salt)} characters")
            raise ConfigError(f"salt variable {options.salt_env} {state}; set it to a secret of "
                              f"{MIN_SALT}+ characters (or leave out --salt-env for a random "
                              "salt used by this import only)")
        return cls(options.hash_fields, options.drop_fields, salt), None

    def apply(self, line: dict[str, Any], count: bool = True) -> dict[str, Any]:
        """`line` with the named fields dropped, then hashed (changed in place); `count`:
        add to `found` (off when a line is read a second time)."""
        for path, steps in self._drop:
            hit = False
            for parent, key in _targets(line, steps):
                del parent[key]
                hit = True
            self.found[path] += hit and count
        for path, steps in self._hash:
            hit = False
            for parent, key in _targets(line, steps):
                parent[key] = self.digest(parent[key])
                hit = True
            self.found[path] += hit and count
        return line

    def digest(self, value: Any) -> str:
        canonical = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return "sha256:" + hmac.new(self._key, canonical.encode(), hashlib.sha256).hexdigest()

    def missing(self) -> list[str]:
        """The named fields found in no line so far."""
        return [path for path, lines in self.found.items() if not lines]


def _targets(node: Any, steps: list[str]) -> Iterator[tuple[Any, Any]]:
    """(container, key) of each value at `steps` under `node`; list entries from the end
    first, so that dropping several entries of one list keeps the others' indices right."""
    step, rest = steps[0], steps[1:]
    for key in reversed(_keys(node, step)):
        if rest:
            yield from _targets(node[key], rest)
        else:
            yield node, key


def _keys(node: Any, step: str) -> list[Any]:
    if isinstance(node, dict):
        return list(node) if step == "*" else [step] if step in node else []
    if isinstance(node, list):
        if step == "*":
            return list(range(len(node)))
        if step.isascii() and step.isdigit() and int(step) < len(node):
            return [int(step)]
    return []
