"""Run the cookbook: every notebook in order, with one profile's parameters, into one folder.

    llmopt pilot --profile cookbook/profiles/demo.yaml

Writes `<results_dir>/<profile>/NN_name.ipynb` (executed copies), the notebooks' own results
(`*.json`, see llmopt.results) and `summary.json` + `summary.md`. With `resume`, notebooks that
already ran successfully into the same folder are skipped.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from llmopt.errors import ConfigError
from llmopt.profile import Profile
from llmopt.settings import REPO_ROOT

COOKBOOK = REPO_ROOT / "cookbook"


def notebooks(cookbook: Path = COOKBOOK) -> list[Path]:
    return sorted(p for p in cookbook.glob("[0-9][0-9]_*.ipynb"))


def run_notebook(notebook: Path, output: Path, parameters: dict) -> None:
    """Execute with papermill; a failing cell raises PapermillExecutionError with its error."""
    import papermill  # notebooks-only dependency: keep `import llmopt` headless

    output.parent.mkdir(parents=True, exist_ok=True)
    papermill.execute_notebook(
        str(notebook), str(output), parameters=parameters, cwd=str(notebook.parent),
        kernel_name="python3", progress_bar=False, log_output=False,
    )


def run(profile_path: str | Path, only: list[str] | None = None, resume: bool = False) -> Path:
    """Run the pilot; returns the output folder."""
    profile = Profile.load(profile_path)
    profile.prepare()
    out = profile.results_folder()
    parameters = {**profile.parameters(), "results_dir": str(out)}
    selected = [nb for nb in notebooks() if not only or nb.stem in only]
    if only and len(selected) != len(only):
        valid = ", ".join(nb.stem for nb in notebooks())
        raise ConfigError(f"unknown notebook in {only}; valid: {valid}")
    summary = _load_summary(out) if resume else {}
    for nb in selected:
        if summary.get(nb.stem, {}).get("status") == "ok":
            continue
        summary[nb.stem] = _run_one(nb, out, parameters)
        _write_summary(out, summary)
    return out


def _run_one(nb: Path, out: Path, parameters: dict) -> dict:
    print(f"[pilot] {nb.name} ...", flush=True)
    start = time.time()
    try:
        run_notebook(nb, out / nb.name, parameters)
        status, error = "ok", None
    except Exception as exc:  # recorded in the summary; the pilot goes on with the next one
        status, error = "failed", f"{type(exc).__name__}: {str(exc)[-2000:]}"
    seconds = round(time.time() - start, 1)
    print(f"[pilot] {nb.name}: {status} in {seconds} s", flush=True)
    return {"status": status, "seconds": seconds, "error": error}


def _load_summary(out: Path) -> dict:
    path = out / "summary.json"
    return json.loads(path.read_text())["notebooks"] if path.is_file() else {}


def _write_summary(out: Path, summary: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    results = sorted(p.name for p in out.glob("*.json") if p.name != "summary.json")
    (out / "summary.json").write_text(
        json.dumps({"notebooks": summary, "results": results}, indent=2) + "\n")
    lines = ["| notebook | status | seconds |", "|---|---|---|"]
    lines += [f"| {name} | {s['status']} | {s['seconds']} |" for name, s in summary.items()]
    (out / "summary.md").write_text("# Pilot summary\n\n" + "\n".join(lines) + "\n")
