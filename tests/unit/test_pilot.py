import re
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import nbformat
import pytest
import yaml

from llmopt import pilot
from llmopt.business import DecisionSummary, Figure, ReportInputs
from llmopt.errors import ConfigError
from llmopt.evidence import Decision, load_decisions, save_decisions
from llmopt.pilot import BUSINESS_CASE
from llmopt.profile import Profile
from llmopt.settings import REPO_ROOT

DEMO = REPO_ROOT / "cookbook/profiles/demo.yaml"
PARAGRAPH = "Switch on quantization: it saves $1,200 a month and pays back in 4.2 months."
SMALL_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect/></svg>'


@contextmanager
def profile_in_repo(**changes: object) -> Iterator[Path]:
    """The demo profile with `changes`, writing into a scratch folder of the repository (a
    results folder must lie inside it), removed afterwards."""
    folder = f"results/test-pilot-{uuid.uuid4().hex[:8]}"
    path = REPO_ROOT / folder / "profile.yaml"
    path.parent.mkdir(parents=True)
    try:
        data = yaml.safe_load(DEMO.read_text()) | {"results_dir": folder} | changes
        path.write_text(yaml.safe_dump(data))
        yield path
    finally:
        shutil.rmtree(REPO_ROOT / folder)


def fake_notebooks(folder: Path, names: list[str]) -> list[Path]:
    """Notebooks that need servers of their own: on a profile that starts none, the pilot
    records each as not applicable without executing it."""
    paths = [folder / f"{name}.ipynb" for name in names]
    for path in paths:
        nbformat.write(nbformat.v4.new_notebook(metadata={"llmopt": {"own_servers": "its own"}}),
                       path)
    return paths


def save_business_case(out: Path, profile: Profile, **extra: object) -> None:
    """What notebook 12 saves: its decisions, the report's inputs and the paragraph."""
    report = ReportInputs(
        decision=DecisionSummary(switch_on=["quantization: AWQ int4"], option="self-host",
                                 monthly_saving_usd=1200.0, payback_months=4.2,
                                 quality="-0.4 points [-1.3, +0.5]"),
        charts=[Figure(title="A drawn chart", chart=SMALL_SVG, command="make chart")])
    decision = Decision(technique="quantization", setting="AWQ int4", verdict="keep", why="ok",
                        budget_points=2.0)
    save_decisions(out, BUSINESS_CASE, [decision], profile=profile,
                   **{"report": report.model_dump(mode="json"), "paragraph": PARAGRAPH} | extra)


def test_notebooks_are_found_in_order():
    names = [nb.name for nb in pilot.notebooks()]
    assert names == sorted(names) and names[0] == "00_demo_world.ipynb"


def test_unknown_notebook_is_named_with_the_valid_ones():
    with pytest.raises(ConfigError, match="00_demo_world"):
        pilot.run(REPO_ROOT / "cookbook/profiles/demo.yaml", only=["99_nope"])


def test_summary_is_written_and_resumable(tmp_path):
    summary = {"00_demo_world": {"status": "ok", "seconds": 1.0, "error": None}}
    pilot._write_summary(tmp_path, summary)
    assert pilot._load_summary(tmp_path) == summary
    assert "| 00_demo_world | ok | 1.0 |" in (tmp_path / "summary.md").read_text()


@pytest.mark.parametrize("nb", pilot.notebooks(), ids=lambda nb: nb.stem)
def test_each_notebook_says_which_servers_it_needs(nb):
    needs, source = pilot.Needs.of(nb), nb.read_text()
    for which in ("target", "draft"):
        uses = f'pilot.server(\\"{which}\\")' in source or "pilot.server(which)" in source
        assert uses == (which in needs.shared_servers), f"{nb.stem}: shared_servers and {which}"
    calls = [line for line in source.splitlines() if re.search(r'pilot\.server\(\\"\w+\\", ', line)]
    # a server of its own only where the profile may start one (08's drill) is not a need
    own = any("if pilot.launch_servers else" not in line for line in calls)
    assert own == needs.starts_own_servers, f"{nb.stem}: own_servers"


def test_a_notebook_needs_its_own_servers_or_uses_them_where_it_can_not_both():
    assert pilot.Needs(own_servers_where_possible="speculation is a server flag").starts_own_servers
    assert not pilot.Needs(shared_servers=["target"]).starts_own_servers
    with pytest.raises(ValueError, match="not both"):
        pilot.Needs(own_servers="a", own_servers_where_possible="b")


def test_a_notebook_that_needs_its_own_servers_does_not_apply_where_none_start():
    with profile_in_repo(launch_servers=False) as profile:
        out = pilot.run(profile, only=["03_quantization"])
        summary = pilot._load_summary(out)["03_quantization"]
        assert summary["status"] == "not applicable" and "quantized" in summary["error"]
        decision, = load_decisions(out, "03_quantization")
        assert decision.verdict == "not applicable" and decision.why == summary["error"]


def test_plan_skips_current_notebooks_until_one_runs_again(tmp_path):
    profile = Profile.load(DEMO)
    nbs = fake_notebooks(tmp_path, ["00_a", "01_b", "02_c"])
    done = {nb.stem: {"status": "ok", "seconds": 1.0, "error": None,
                      "stamp": pilot.stamp(profile, nb)} for nb in nbs}

    def why(summary: dict, fresh: bool = False) -> list[str | None]:
        return [step.runs_because for step in pilot.plan(nbs, summary, profile, fresh)]

    assert why(done) == [None, None, None]
    assert why({}) == ["not run yet", "00_a runs again before it", "00_a runs again before it"]
    assert why(done, fresh=True) == ["--fresh"] * 3
    assert why(done | {"01_b": done["01_b"] | {"status": "not applicable"}}) == [None] * 3
    assert why(done | {"01_b": done["01_b"] | {"status": "failed"}}) == [
        None, "failed last time", "01_b runs again before it"]
    other = pilot.stamp(profile.model_copy(update={"n_requests": 7}), nbs[1])
    assert why(done | {"01_b": done["01_b"] | {"stamp": other}})[1] == \
        "the profile or its workload changed"
    assert why(done | {"00_a": {"status": "ok", "seconds": 1.0, "error": None}})[0] == \
        "its last run was not stamped"
    nbs[2].write_text(nbs[2].read_text() + "\n")
    assert why(done) == [None, None, "the notebook changed"]


def test_a_second_run_skips_current_notebooks_and_says_so(tmp_path, monkeypatch, capsys):
    nbs = fake_notebooks(tmp_path, ["00_a", "01_b"])
    monkeypatch.setattr(pilot, "notebooks", lambda: nbs)
    monkeypatch.setattr(pilot, "_available_gib", lambda: 10.0)  # these runs use no memory
    with profile_in_repo(launch_servers=False) as profile:
        out = pilot.run(profile)
        first = pilot._load_summary(out)
        assert [entry["status"] for entry in first.values()] == ["not applicable"] * 2
        capsys.readouterr()

        pilot.run(profile)
        printed = capsys.readouterr().out
        assert "[pilot] 00_a: current (same profile and inputs), skipped" in printed
        assert "[pilot] 01_b: current (same profile and inputs), skipped" in printed
        assert "2 current notebook(s) skipped; to run them again: llmopt pilot --fresh" in printed
        assert ".ipynb: not applicable" not in printed and pilot._load_summary(out) == first

        pilot._write_summary(out, first, 5.0)  # as if the first run had peaked at 5 GiB
        nbs[1].write_text(nbs[1].read_text() + "\n")
        pilot.run(profile)
        printed = capsys.readouterr().out
        assert "00_a: current" in printed and "01_b: runs (the notebook changed)" in printed
        assert "01_b.ipynb: not applicable" in printed and "00_a.ipynb" not in printed
        assert pilot._peak_gib(out) == 5.0  # the skipped notebook's run still counts

        pilot.run(profile, fresh=True)
        printed = capsys.readouterr().out
        assert "00_a.ipynb: not applicable" in printed and "01_b.ipynb: not applicable" in printed
        assert "skipped" not in printed and pilot._peak_gib(out) == 0.0


def test_the_conclusion_is_the_business_case_paragraph_and_the_report(tmp_path):
    profile = Profile.load(DEMO)
    save_business_case(tmp_path, profile)
    said = pilot.conclusion(tmp_path, profile)
    assert said.startswith(PARAGRAPH)
    assert said.endswith(f"report: {tmp_path / 'report.html'} (not written yet: `llmopt report` "
                         "writes it)")
    pilot.write_report(tmp_path, profile)
    assert pilot.conclusion(tmp_path, profile).endswith(f"report: {tmp_path / 'report.html'}")


def test_without_a_business_case_the_conclusion_says_why_in_one_line(tmp_path):
    profile = Profile.load(DEMO)
    said = pilot.conclusion(tmp_path, profile)
    assert said == "[pilot] no business case: 12_business_case did not run"

    error = ("PapermillExecutionError: \n----\nException encountered at \"In [4]\":\n"
             "\x1b[0;31mConfigError\x1b[0m: no result '03_quantization' in results/demo\n")
    pilot._write_summary(tmp_path, {BUSINESS_CASE: {"status": "failed", "seconds": 3.0,
                                                    "error": error}})
    said = pilot.conclusion(tmp_path, profile)
    assert said == (f"[pilot] no business case: 12_business_case failed (ConfigError: no result "
                    f"'03_quantization' in results/demo); its executed copy: "
                    f"{tmp_path / '12_business_case.ipynb'}")

    pilot._write_summary(tmp_path, {BUSINESS_CASE: {"status": "ok", "seconds": 3.0,
                                                    "error": None}})
    save_business_case(tmp_path, profile.model_copy(update={"n_requests": 7}))
    said = pilot.conclusion(tmp_path, profile)
    assert said.startswith("[pilot] no business case: 12_business_case.json") and \
        "stale" in said and "\n" not in said


def test_the_report_is_written_from_notebook_12s_inputs_byte_for_byte(tmp_path):
    profile = Profile.load(DEMO)
    save_business_case(tmp_path, profile)
    first = pilot.write_report(tmp_path, profile)
    assert first == tmp_path / "report.html"
    again = pilot.write_report(tmp_path, profile, tmp_path / "again.html")
    assert first.read_bytes() == again.read_bytes()
    page = first.read_text()
    assert "Switch on quantization: AWQ int4" in page and SMALL_SVG[:20] in page


def test_the_report_refuses_a_missing_stale_or_bad_business_case(tmp_path):
    profile = Profile.load(DEMO)
    with pytest.raises(ConfigError, match="no result '12_business_case'.* run notebook "
                                          "12_business_case first"):
        pilot.write_report(tmp_path, profile)
    save_business_case(tmp_path, profile.model_copy(update={"seed": 3}))
    with pytest.raises(ConfigError, match="stale .* run notebook 12_business_case again"):
        pilot.write_report(tmp_path, profile)
    save_decisions(tmp_path, BUSINESS_CASE, [], profile=profile, paragraph=PARAGRAPH)
    with pytest.raises(ConfigError, match="holds no report inputs; run notebook 12_business"):
        pilot.write_report(tmp_path, profile)
    save_business_case(tmp_path, profile, report={"title": "no decision"})
    with pytest.raises(ConfigError, match="decision"):
        pilot.write_report(tmp_path, profile)
    assert not (tmp_path / "report.html").exists()


def test_on_the_api_profile_every_notebook_with_servers_of_its_own_does_not_apply(tmp_path):
    profile = Profile.load(REPO_ROOT / "cookbook/profiles/api.yaml")
    own = [nb for nb in pilot.notebooks() if pilot.Needs.of(nb).own_servers]
    assert {"01_baseline", "07_response_cache", "08_router_fallback"}.isdisjoint(
        nb.stem for nb in own), "they run on the api profile"
    with pilot.SharedServers(profile, own) as shared:  # starts nothing: none is needed
        summary = {nb.stem: pilot.run_one(nb, tmp_path, profile, shared) for nb in own}
        assert shared.servers == {}
    for nb in own:
        reason = pilot.Needs.of(nb).own_servers
        assert (summary[nb.stem]["status"], summary[nb.stem]["error"]) == ("not applicable",
                                                                            reason)
        decision, = load_decisions(tmp_path, nb.stem)
        assert (decision.verdict, decision.why) == ("not applicable", reason)


def test_memory_peak_is_measured_from_where_it_started(monkeypatch):
    readings = iter([10.0, 6.5])  # GiB available when it opens, then when it closes
    monkeypatch.setattr(pilot, "_available_gib", lambda: next(readings))
    with pilot.MemoryPeak(every_s=3600) as memory:
        pass
    assert memory.peak_gib == 3.5
