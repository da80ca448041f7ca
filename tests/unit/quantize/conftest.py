"""Small model folders for the checks that run before any weights are loaded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmopt.demo import assets


@pytest.fixture
def demo_model() -> Path:
    return assets.model_dir("large")


@pytest.fixture
def folder_with(tmp_path: Path):
    """A folder holding only the given config.json (no weights)."""

    def make(config: dict | None, name: str = "model") -> Path:
        folder = tmp_path / name
        folder.mkdir()
        if config is not None:
            (folder / "config.json").write_text(json.dumps(config))
        return folder

    return make
