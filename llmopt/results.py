"""The pilot's results store: one JSON file per notebook section under the results folder.

Later notebooks read the baseline from here; the pilot's summary collects all of them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from llmopt.errors import ConfigError


def save(results_dir: str | Path, name: str, data: dict[str, Any] | pd.DataFrame) -> Path:
    """Write `data` (a dict or a DataFrame's records) as results_dir/name.json."""
    if isinstance(data, pd.DataFrame):
        data = {"rows": json.loads(data.to_json(orient="records"))}
    path = Path(results_dir) / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    return path


def load(results_dir: str | Path, name: str) -> dict[str, Any]:
    path = Path(results_dir) / f"{name}.json"
    if not path.is_file():
        have = sorted(p.stem for p in Path(results_dir).glob("*.json"))
        raise ConfigError(f"no result {name!r} in {results_dir}; have: {', '.join(have) or 'none'}")
    return json.loads(path.read_text())


def frame(results_dir: str | Path, name: str) -> pd.DataFrame:
    return pd.DataFrame(load(results_dir, name)["rows"])
