"""`llmopt bench`: options to profile, bad input to clear errors, a run against a fake server."""

import json

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from llmopt.bench import BenchResult, ConcurrentProfile, PoissonProfile, SweepProfile
from llmopt.bench.command import BenchOptions
from llmopt.cli import app
from llmopt.errors import ConfigError

from .fake_server import FakeServer

runner = CliRunner()


def bench(*args: str):
    return runner.invoke(app, ["bench", "--endpoint", "http://127.0.0.1:9/v1", "--model", "m",
                               "--no-progress", *args])


@pytest.mark.parametrize("rate", ["0", "-2.5"])
def test_zero_or_negative_rate_is_refused_by_name(rate, tmp_path) -> None:
    result = bench("--profile", "constant", "--rate", rate, "--max-requests", "3",
                   "--out", str(tmp_path / "r.jsonl"))
    assert result.exit_code == 2
    assert f"rate: Input should be greater than 0 (got {float(rate)})" in result.output


def test_unknown_profile_lists_the_valid_ones(tmp_path) -> None:
    result = bench("--profile", "ramp", "--out", str(tmp_path / "r.jsonl"))
    assert result.exit_code == 2 and "valid: synchronous, concurrent" in result.output


def test_malformed_workload_names_file_and_line(tmp_path) -> None:
    workload = tmp_path / "work.jsonl"
    workload.write_text('{"id": "a", "system": "s", "user": "u"}\n{"id": 3\n')
    result = bench("--workload", str(workload), "--out", str(tmp_path / "r.jsonl"))
    assert result.exit_code == 2 and f"{workload}:2" in result.output


def test_option_for_another_profile_is_refused(tmp_path) -> None:
    result = bench("--profile", "synchronous", "--rate", "2", "--out", str(tmp_path / "r.jsonl"))
    assert result.exit_code == 2 and "--rate does not apply to the synchronous" in result.output


def test_unreachable_endpoint_exits_with_its_address(tmp_path) -> None:
    result = bench("--profile", "synchronous", "--max-requests", "1",
                   "--out", str(tmp_path / "r.jsonl"))
    assert result.exit_code == 1 and "cannot connect to http://127.0.0.1:9/v1" in result.output


def test_a_run_prints_the_summary_and_writes_jsonl(tmp_path) -> None:
    out = tmp_path / "r.jsonl"
    with FakeServer() as fake:
        result = runner.invoke(app, [
            "bench", "--endpoint", fake.base_url, "--model", "fake", "--profile", "concurrent",
            "--concurrency", "2", "--max-requests", "4", "--out", str(out), "--no-progress",
            "--price-model", "demo:large", "--metrics-url", fake.metrics_url])
    assert result.exit_code == 0, result.output
    assert "concurrent@2" in result.output and f"results: {out}" in result.output
    saved = BenchResult.load(out)
    assert len(saved.records) == 4 and all(r.cost_usd > 0 for r in saved.records)
    assert json.loads(out.read_text().splitlines()[0])["stage"] == "concurrent@2"


def profile_of(**fields):
    return BenchOptions(**fields).load_profile()


def test_options_map_to_profile_fields() -> None:
    assert profile_of(profile="concurrent", concurrency=4, max_requests=5) == ConcurrentProfile(
        concurrency=4, max_requests=5)
    sweep = profile_of(concurrency=16, rates=3, seed=2, max_seconds=9.0)
    assert sweep == SweepProfile(saturation_concurrency=16, rates=3, seed=2, max_seconds=9.0)
    poisson = profile_of(profile="poisson", concurrency=8, rate=2.0, seed=1, max_requests=3)
    assert poisson == PoissonProfile(rate=2.0, max_concurrency=8, seed=1, max_requests=3)
    with pytest.raises(ConfigError, match="--concurrency does not apply"):
        profile_of(profile="synchronous", concurrency=2, max_requests=3)
    with pytest.raises(ConfigError, match="--rates does not apply to the poisson profile"):
        profile_of(profile="poisson", rate=1.0, rates=3, max_requests=3)
    unbounded = BenchOptions(profile="synchronous").load_profile(workload_size=12)
    assert unbounded.max_requests == 12


def test_demo_workload_is_generated_to_the_bounds() -> None:
    assert len(BenchOptions(max_requests=7).items()) == 7
    assert len(BenchOptions(max_seconds=30.0).items()) == 1000
    assert BenchOptions(max_requests=3, seed=1).items() == BenchOptions(max_requests=3,
                                                                        seed=1).items()
    with pytest.raises(ValidationError, match="workloa"):
        BenchOptions(workloa="demo")


def test_demo_workload_uses_the_demo_prompt_format() -> None:
    from llmopt.bench.command import make_endpoint
    from llmopt.demo.prompt import render

    item = BenchOptions(max_requests=1).items()[0]
    endpoint = make_endpoint("demo", base_url="http://x/v1", model="m", api="completions")
    assert endpoint.body(item)["prompt"] == render(item.system, item.user)
    plain = make_endpoint("work.jsonl", base_url="http://x/v1", model="m")
    assert plain.prompt_text(item) == f"{item.system}\n\n{item.user}"
