"""`llmopt plan` (without the vLLM check, which tests/integration/test_plan_vllm.py covers)."""

import yaml
from typer.testing import CliRunner

from llmopt.cli import app

RUN = CliRunner()


def test_plan_prints_the_verdict_and_the_commands() -> None:
    result = RUN.invoke(app, ["plan", "--model", "meta-llama/Llama-3.1-8B-Instruct",
                              "--context", "8192", "--concurrency", "32", "--gpu", "L4-24GB",
                              "--tokens-per-s", "1500", "--no-check"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "fits: 32 x 8,192 tokens" in out and "4 x L4-24GB (tp=4)" in out
    assert "vllm serve meta-llama/Llama-3.1-8B-Instruct" in out
    assert "--tensor-parallel-size 4" in out and "docker run --gpus all" in out
    manifest = out.split("# Kubernetes\n", 1)[1]
    deployment = next(yaml.safe_load_all(manifest))
    limits = deployment["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]
    assert limits["nvidia.com/gpu"] == 4


def test_nothing_fits_exits_1_and_says_why() -> None:
    result = RUN.invoke(app, ["plan", "--model", "meta-llama/Llama-3.1-70B-Instruct",
                              "--context", "131072", "--concurrency", "64", "--gpu", "L4-24GB",
                              "--no-check"])
    assert result.exit_code == 1 and "nothing fits" in result.output


def test_multi_node_plan_prints_ray_steps() -> None:
    result = RUN.invoke(app, ["plan", "--model", "meta-llama/Llama-3.1-70B-Instruct",
                              "--context", "8192", "--concurrency", "16", "--gpu", "L4-24GB",
                              "--max-nodes", "2", "--no-check"])
    assert result.exit_code == 0, result.output
    assert "ray start --head --port=6379" in result.output
    assert "--pipeline-parallel-size 2 --distributed-executor-backend ray" in result.output


def test_bad_scheme_exits_2_naming_the_valid_ones() -> None:
    result = RUN.invoke(app, ["plan", "--model", "demo:large", "--context", "1024",
                              "--concurrency", "8", "--scheme", "int3", "--no-check"])
    assert result.exit_code == 2 and "unknown weight scheme 'int3'" in result.output
