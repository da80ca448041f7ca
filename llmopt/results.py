"""The pilot's results store: one JSON file per notebook section under the results folder.

Later notebooks read the baseline from here; the pilot's summary collects all of them. A result
saved with `profile=` carries that profile's name and fingerprint (`made_with`); loading it with
`profile=` refuses one made with another profile or other inputs, so a business case never
mixes the figures of two pilots.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from llmopt.errors import ConfigError

STAMP = "made_with"


class Stamped(Protocol):
    """What a result is stamped with (llmopt.profile.Profile)."""

    profile: str

    def fingerprint(self) -> str: ...


def save(results_dir: str | Path, name: str, data: dict[str, Any] | pd.DataFrame,
         profile: Stamped | None = None) -> Path:
    """Write `data` (a dict or a DataFrame's records) as results_dir/name.json, stamped with
    `profile` where given."""
    if isinstance(data, pd.DataFrame):
        data = {"rows": json.loads(data.to_json(orient="records"))}
    if profile is not None:
        data = {**data, STAMP: stamp(profile)}
    path = Path(results_dir) / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    return path


def load(results_dir: str | Path, name: str, profile: Stamped | None = None) -> dict[str, Any]:
    """results_dir/name.json; with `profile`, only if that profile made it (ConfigError naming
    the notebook to run again otherwise)."""
    path = Path(results_dir) / f"{name}.json"
    if not path.is_file():
        have = sorted(p.stem for p in Path(results_dir).glob("*.json"))
        rerun = f"; run notebook {name} first ({_command(name, profile)})" if profile else ""
        raise ConfigError(f"no result {name!r} in {results_dir}; have: "
                          f"{', '.join(have) or 'none'}{rerun}")
    data = json.loads(path.read_text())
    if profile is not None and data.get(STAMP) != stamp(profile):
        made = data.get(STAMP) or {"profile": "unknown (saved without a profile)"}
        raise ConfigError(
            f"{path.name} in {results_dir} was made with profile {made['profile']!r} "
            f"(fingerprint {made.get('fingerprint', 'none')}), not with this one "
            f"({profile.profile!r}, {profile.fingerprint()}): it is stale and is not mixed "
            f"in; run notebook {name} again ({_command(name, profile)})")
    return data


def stamp(profile: Stamped) -> dict[str, str]:
    return {"profile": profile.profile, "fingerprint": profile.fingerprint()}


def frame(results_dir: str | Path, name: str) -> pd.DataFrame:
    return pd.DataFrame(load(results_dir, name)["rows"])


def _command(name: str, profile: Stamped) -> str:
    return f"llmopt pilot --profile <the {profile.profile} profile> --only {name}"
