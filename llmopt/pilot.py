"""Run the cookbook: every notebook in order, with one profile's parameters, into one folder.

    llmopt pilot --profile cookbook/profiles/demo.yaml

Writes `<results_dir>/<profile>/NN_name.ipynb` (executed copies), the notebooks' own results
(`*.json`, see llmopt.results) and `summary.json` + `summary.md` (each notebook's status and
seconds, and the machine's peak memory use). Run again, it resumes: a notebook whose results
are current (`plan`) is skipped and says so; `fresh` runs every notebook again. At the end
`conclusion` gives notebook 12's one-paragraph decision and where its report is;
`write_report` writes that report again from what notebook 12 saved (`llmopt report`).

Servers: a notebook's metadata (`llmopt.shared_servers`) names the profile's servers it uses
with the profile's own configuration ("target", "draft"). `SharedServers` starts each of them
once, before the first notebook that uses it, hands it to the notebooks as an attached server
(the profile's `attach`), and stops it after the last one. A notebook that needs servers of
its own configuration says why in `llmopt.own_servers`; on a profile that starts no server
(`launch_servers: false`) it does not apply: the pilot saves a "not applicable" decision with
that reason instead of running it.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Literal, NamedTuple

import nbformat
from pydantic import BaseModel, ConfigDict, model_validator

from llmopt.business import ReportInputs, write
from llmopt.errors import ConfigError
from llmopt.evidence import not_applicable, save_decisions
from llmopt.profile import AttachedServer, Profile
from llmopt.results import load
from llmopt.serve import VllmServer
from llmopt.settings import REPO_ROOT

COOKBOOK = REPO_ROOT / "cookbook"
BUSINESS_CASE = "12_business_case"
"""The last notebook: it saves the stack's decisions, the report's inputs and the paragraph."""
REPORT = "report.html"
DONE = ("ok", "not applicable")
"""The statuses of a notebook that need not run again while its stamp holds."""
CURRENT = "current (same profile and inputs)"


class Needs(BaseModel):
    """What a notebook needs of the machine (its metadata's `llmopt` entry)."""

    model_config = ConfigDict(extra="forbid")

    shared_servers: list[Literal["target", "draft"]] = []
    """The profile's servers it uses with the profile's configuration."""
    own_servers: str | None = None
    """Why it cannot run without servers of its own configuration (None: it needs none)."""
    own_servers_where_possible: str | None = None
    """Why it starts servers of its own where the profile lets it; on a profile that starts
    none, those steps say "not applicable" and the notebook still runs (None: it starts none)."""

    @model_validator(mode="after")
    def _one_kind_of_own(self) -> Needs:
        if self.own_servers and self.own_servers_where_possible:
            raise ValueError("give own_servers (cannot run without them) or "
                             "own_servers_where_possible (runs without them), not both")
        return self

    @property
    def starts_own_servers(self) -> bool:
        return bool(self.own_servers or self.own_servers_where_possible)

    @classmethod
    def of(cls, notebook: Path) -> Needs:
        return cls.model_validate(nbformat.read(notebook, as_version=4).metadata.get("llmopt", {}))


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


class SharedServers:
    """The profile's own-configuration servers, each started once for the notebooks of `plan`
    that use it and stopped after the last of them (use as a context manager)."""

    def __init__(self, profile: Profile, plan: list[Path]) -> None:
        self.profile = profile
        self.plan = {nb: Needs.of(nb) for nb in plan}
        self.servers: dict[str, VllmServer] = {}

    def attach(self, notebook: Path) -> dict[str, dict]:
        """Start what `notebook` uses and is not running yet; its `attach` parameter."""
        wanted = [w for w in self.plan[notebook].shared_servers
                  if w not in self.servers and w not in self.profile.attach]
        self.servers |= {w: self.profile.server(w) for w in wanted}
        with ThreadPoolExecutor(max(len(wanted), 1)) as pool:
            list(pool.map(VllmServer.start, [self.servers[w] for w in wanted]))
        ours = {w: AttachedServer(base_url=s.base_url, log_path=str(s.log_path),
                                  startup_s=s.startup_s) for w, s in self.servers.items()}
        return {w: a.model_dump(exclude_none=True) for w, a in (self.profile.attach | ours).items()}

    def done(self, notebook: Path) -> None:
        """Stop the servers no notebook after `notebook` uses."""
        self.plan.pop(notebook, None)
        later = {w for needs in self.plan.values() for w in needs.shared_servers}
        for which in [w for w in self.servers if w not in later]:
            self.servers.pop(which).stop()

    def __enter__(self) -> SharedServers:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for server in self.servers.values():
            server.stop()
        self.servers.clear()


class MemoryPeak:
    """The machine's peak memory use while it is open, less what was in use when it opened
    (GiB, from /proc/meminfo: servers and kernels included, whoever started them)."""

    def __init__(self, every_s: float = 0.5) -> None:
        self.every_s = every_s
        self._start = self._lowest = _available_gib()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    @property
    def peak_gib(self) -> float:
        return round(self._start - self._lowest, 2)

    def _watch(self) -> None:
        while not self._stop.wait(self.every_s):
            self._lowest = min(self._lowest, _available_gib())

    def __enter__(self) -> MemoryPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        self._lowest = min(self._lowest, _available_gib())


class Step(NamedTuple):
    """One notebook of a run, and why it runs (None: it is current and is skipped)."""

    notebook: Path
    runs_because: str | None


def stamp(profile: Profile, notebook: Path) -> dict[str, str]:
    """What a notebook's results depend on: the profile's fingerprint and the notebook file."""
    return {"profile": profile.fingerprint(),
            "notebook": hashlib.sha256(notebook.read_bytes()).hexdigest()[:16]}


def plan(selected: list[Path], summary: dict, profile: Profile, fresh: bool = False) -> list[Step]:
    """Which notebooks of a run run again, and why. A notebook is current (skipped) when its
    last run ended "ok" or "not applicable" under the same stamp, and every notebook before it
    in the run is current too: later notebooks read earlier ones' results (the baseline; 12
    reads them all), so once one runs again, all after it do."""
    steps: list[Step] = []
    for nb in selected:
        earlier = next((s.notebook.stem for s in steps if s.runs_because), None)
        why = ("--fresh" if fresh else f"{earlier} runs again before it" if earlier
               else _stale(summary.get(nb.stem), stamp(profile, nb)))
        steps.append(Step(nb, why))
    return steps


def _stale(entry: dict | None, now: dict[str, str]) -> str | None:
    if entry is None:
        return "not run yet"
    if entry["status"] not in DONE:
        return f"{entry['status']} last time"
    was = entry.get("stamp")
    if was is None:
        return "its last run was not stamped"
    if was.get("profile") != now["profile"]:
        return "the profile or its workload changed"
    if was.get("notebook") != now["notebook"]:
        return "the notebook changed"
    return None


def run(profile_path: str | Path, only: list[str] | None = None, fresh: bool = False) -> Path:
    """Run the pilot, resuming: only the notebooks that are not current (`plan`), or all of
    them with `fresh`; returns the output folder."""
    profile = Profile.load(profile_path)
    profile.prepare()
    out = profile.results_folder()
    selected = [nb for nb in notebooks() if not only or nb.stem in only]
    if only and len(selected) != len(only):
        valid = ", ".join(nb.stem for nb in notebooks())
        raise ConfigError(f"unknown notebook in {only}; valid: {valid}")
    summary = _load_summary(out)
    steps = plan(selected, summary, profile, fresh)
    for step in steps:
        print(f"[pilot] {step.notebook.stem}: " + (f"runs ({step.runs_because})" if
              step.runs_because else f"{CURRENT}, skipped"), flush=True)
    todo = [step.notebook for step in steps if step.runs_because]
    if len(todo) < len(steps):
        print(f"[pilot] {len(steps) - len(todo)} current notebook(s) skipped; to run them "
              "again: llmopt pilot --fresh (make pilot FRESH=1)", flush=True)
    skipped_peak = _peak_gib(out) if len(todo) < len(steps) else 0.0  # the skipped ones' runs
    with SharedServers(profile, todo) as shared, MemoryPeak() as memory:
        for nb in todo:
            summary[nb.stem] = run_one(nb, out, profile, shared)
            _write_summary(out, summary, max(memory.peak_gib, skipped_peak))
    return out


def run_one(nb: Path, out: Path, profile: Profile, shared: SharedServers) -> dict:
    """Run one notebook of the pilot into `out` (or record why it does not apply)."""
    print(f"[pilot] {nb.name} ...", flush=True)
    start = time.time()
    needs = Needs.of(nb)
    try:
        if needs.own_servers and not profile.launch_servers:
            status, error = "not applicable", needs.own_servers
            save_decisions(out, nb.stem, [not_applicable(nb.stem, needs.own_servers,
                                                         profile.quality_budget_points)],
                           profile=profile)
        else:
            parameters = {**profile.parameters(), "results_dir": str(out),
                          "attach": shared.attach(nb)}
            run_notebook(nb, out / nb.name, parameters)
            status, error = "ok", None
    except Exception as exc:  # recorded in the summary; the pilot goes on with the next one
        status, error = "failed", f"{type(exc).__name__}: {str(exc)[-2000:]}"
    finally:
        shared.done(nb)
    seconds = round(time.time() - start, 1)
    print(f"[pilot] {nb.name}: {status} in {seconds} s" + (f" ({error})" if
          status == "not applicable" else ""), flush=True)
    return {"status": status, "seconds": seconds, "error": error, "stamp": stamp(profile, nb)}


def conclusion(out: Path, profile: Profile) -> str:
    """What the pilot in `out` concluded: notebook 12's one-paragraph decision and the path of
    its report, or one line saying why there is none (12 failed: its error and executed copy;
    12 did not run, or its result is stale)."""
    entry = _load_summary(out).get(BUSINESS_CASE)
    if entry is not None and entry["status"] == "failed":
        return (f"[pilot] no business case: {BUSINESS_CASE} failed ({_last_line(entry['error'])});"
                f" its executed copy: {out / BUSINESS_CASE}.ipynb")
    try:
        paragraph = load(out, BUSINESS_CASE, profile).get("paragraph")
    except ConfigError as error:
        why = f"{BUSINESS_CASE} did not run" if entry is None else str(error)
        return f"[pilot] no business case: {why}"
    if not paragraph:
        return f"[pilot] no business case: {BUSINESS_CASE}.json in {out} holds no paragraph"
    report = out / REPORT
    missing = "" if report.is_file() else " (not written yet: `llmopt report` writes it)"
    return f"{paragraph}\n\nreport: {report}{missing}"


def write_report(out: Path, profile: Profile, path: str | Path | None = None) -> Path:
    """Write the one-page HTML report (llmopt.business.write) from the inputs notebook 12 saved
    in `out` with `profile` (a missing or stale result: ConfigError naming notebook 12), to
    `path` (default: `out`/report.html); the same inputs give the same bytes."""
    saved = load(out, BUSINESS_CASE, profile)
    if "report" not in saved:
        raise ConfigError(f"{BUSINESS_CASE}.json in {out} holds no report inputs; run notebook "
                          f"{BUSINESS_CASE} again")
    return write(ReportInputs.model_validate(saved["report"]), path or out / REPORT)


def _available_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 2**20
    raise ConfigError("/proc/meminfo has no MemAvailable line")


def _last_line(error: str | None) -> str:
    """A recorded error's last line (a failed cell's exception), without terminal colours."""
    lines = re.sub(r"\x1b\[[0-9;]*m", "", error or "").strip().splitlines()
    return lines[-1][-300:] if lines else "no error recorded"


def _load_summary(out: Path) -> dict:
    path = out / "summary.json"
    return json.loads(path.read_text())["notebooks"] if path.is_file() else {}


def _peak_gib(out: Path) -> float:
    path = out / "summary.json"
    return (json.loads(path.read_text()).get("peak_memory_gib") or 0.0) if path.is_file() else 0.0


def _write_summary(out: Path, summary: dict, peak_memory_gib: float | None = None) -> None:
    out.mkdir(parents=True, exist_ok=True)
    summary = dict(sorted(summary.items()))  # notebook order, however the runs added them
    results = sorted(p.name for p in out.glob("*.json") if p.name != "summary.json")
    (out / "summary.json").write_text(json.dumps(
        {"notebooks": summary, "results": results, "peak_memory_gib": peak_memory_gib},
        indent=2) + "\n")
    lines = ["| notebook | status | seconds |", "|---|---|---|"]
    lines += [f"| {name} | {s['status']} | {s['seconds']} |" for name, s in summary.items()]
    total = sum(s["seconds"] for s in summary.values())
    memory = f"; peak memory {peak_memory_gib:.1f} GiB" if peak_memory_gib is not None else ""
    (out / "summary.md").write_text("# Pilot summary\n\n" + "\n".join(lines) +
                                    f"\n\n{total:.0f} s of notebooks{memory}.\n")
