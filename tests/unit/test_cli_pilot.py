"""`llmopt pilot` (resuming, and its closing paragraph) and `llmopt report`, on notebooks that
do not apply to a profile without servers (nothing executes) and a business case saved as
notebook 12 saves it."""

from typer.testing import CliRunner

from llmopt import pilot
from llmopt.cli import app
from llmopt.profile import Profile
from tests.unit.test_pilot import PARAGRAPH, fake_notebooks, profile_in_repo, save_business_case

RUN = CliRunner()


def test_pilot_resumes_and_ends_with_the_business_case_paragraph(tmp_path, monkeypatch):
    monkeypatch.setattr(pilot, "notebooks", lambda: fake_notebooks(tmp_path, ["00_a", "01_b"]))
    with profile_in_repo(launch_servers=False) as path:
        first = RUN.invoke(app, ["pilot", "--profile", str(path)])
        assert first.exit_code == 0, first.output  # not applicable is not a failure
        assert "01_b: runs (00_a runs again before it)" in first.output
        assert "no business case: 12_business_case did not run" in first.output

        profile = Profile.load(path)
        save_business_case(profile.results_folder(), profile)
        again = RUN.invoke(app, ["pilot", "--profile", str(path)])
        assert again.exit_code == 0, again.output
        assert "[pilot] 00_a: current (same profile and inputs), skipped" in again.output
        assert "make pilot FRESH=1" in again.output
        report = profile.results_folder() / "report.html"
        assert f"{PARAGRAPH}\n\nreport: {report}" in again.output

        fresh = RUN.invoke(app, ["pilot", "--profile", str(path), "--fresh"])
        assert "00_a: runs (--fresh)" in fresh.output and "skipped" not in fresh.output


def test_report_writes_the_same_bytes_from_the_same_inputs(tmp_path):
    with profile_in_repo() as path:
        profile = Profile.load(path)
        save_business_case(profile.results_folder(), profile)
        written = RUN.invoke(app, ["report", "--profile", str(path)])
        assert written.exit_code == 0, written.output
        default = profile.results_folder() / "report.html"
        assert written.output == f"report: {default}\n"
        again = RUN.invoke(app, ["report", "--profile", str(path), "--out",
                                 str(tmp_path / "copy.html")])
        assert again.output == f"report: {tmp_path / 'copy.html'}\n"
        assert (tmp_path / "copy.html").read_bytes() == default.read_bytes()


def test_report_without_notebook_12_names_it(tmp_path):
    with profile_in_repo() as path:
        result = RUN.invoke(app, ["report", "--profile", str(path)])
    assert result.exit_code == 2
    assert "no result '12_business_case'" in result.output
    assert "run notebook 12_business_case first" in result.output


def test_report_of_a_profile_that_does_not_exist(tmp_path):
    missing = tmp_path / "nope.yaml"
    result = RUN.invoke(app, ["report", "--profile", str(missing)])
    assert result.exit_code == 2 and f"profile file '{missing}' does not exist" in result.output
