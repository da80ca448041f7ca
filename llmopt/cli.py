"""The `llmopt` command."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(help="LLM cost-optimization pilot: measure, shrink, cache, route, decide.",
                  no_args_is_help=True)


@app.command()
def pilot(
    profile: Path = typer.Option(Path("cookbook/profiles/demo.yaml"), help="profile YAML"),
    only: list[str] = typer.Option(None, help="run only these notebooks (e.g. 00_demo_world)"),
    resume: bool = typer.Option(False, help="skip notebooks that already succeeded"),
) -> None:
    """Run every cookbook notebook on a profile; print where the results are."""
    from llmopt import pilot as runner

    out = runner.run(profile, only=only or None, resume=resume)
    print((out / "summary.md").read_text())
    print(f"results: {out}")
    failed = [k for k, v in runner._load_summary(out).items() if v["status"] != "ok"]
    if failed:
        raise typer.Exit(code=1)


@app.command()
def bench(
    endpoint: str = typer.Option(..., help="OpenAI-compatible base URL, e.g. "
                                 "http://127.0.0.1:8000/v1"),
    model: str = typer.Option(..., help="model name the endpoint serves"),
    workload: str = typer.Option("demo", help="`demo` (generated) or a workload JSONL file"),
    profile: str = typer.Option("sweep", help="sweep|synchronous|concurrent|constant|poisson"),
    concurrency: int = typer.Option(None, help="concurrent: requests in flight; sweep: "
                                    "saturation concurrency; constant/poisson: cap"),
    rate: float = typer.Option(None, help="constant/poisson: requests per second"),
    rates: int = typer.Option(None, help="sweep: rates between synchronous and saturation"),
    seed: int = typer.Option(None, help="poisson/sweep arrivals and the demo workload"),
    max_requests: int = typer.Option(None, help="per stage (default: the whole workload)"),
    max_seconds: float = typer.Option(None, help="per stage"),
    warmup: int = typer.Option(0, help="first requests of each stage left out of statistics"),
    max_tokens: int = typer.Option(64),
    timeout: float = typer.Option(120.0, help="seconds per attempt"),
    api: str = typer.Option("chat", help="chat|completions"),
    out: str = typer.Option("results/bench.jsonl", help="results JSONL (appended as requests "
                            "finish; stage runs go to *.stages.jsonl beside it)"),
    resume: bool = typer.Option(False, help="continue an interrupted run in --out"),
    api_key_env: str = typer.Option(None, help="name of the env variable holding the API key"),
    price_model: str = typer.Option(None, help="price requests as this model (genai-prices "
                                    "name or demo:large / demo:small)"),
    metrics_url: str = typer.Option(None, help="vLLM /metrics URL for the token check"),
    stop_after_ok: int = typer.Option(None, help="end each stage after N successes"),
    progress: bool = typer.Option(True),
) -> None:
    """Replay a workload against an OpenAI-compatible endpoint; print a summary per stage."""
    from pydantic import ValidationError

    from llmopt.bench import command
    from llmopt.errors import ConfigError, LlmoptError

    try:
        target = command.make_endpoint(workload, base_url=endpoint, model=model,
                                       api_key_env=api_key_env, timeout_s=timeout,
                                       max_tokens=max_tokens, api=api)
        result = command.main(
            endpoint=target, workload=workload, profile=profile, concurrency=concurrency,
            rate=rate, rates=rates, seed=seed, max_requests=max_requests,
            max_seconds=max_seconds, warmup=warmup, out=Path(out), resume=resume,
            price_model=price_model, metrics_url=metrics_url, stop_after_ok=stop_after_ok,
            progress=progress)
    except (ConfigError, ValidationError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=2) from None
    except LlmoptError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(command.table(result))
    for note in result.notes:
        typer.echo(f"note: {note}")
    typer.echo(f"results: {out}")
    if not any(r.ok for r in result.records):
        raise typer.Exit(code=1)


@app.command("demo-build")
def demo_build(steps: int = typer.Option(None), out: Path = typer.Option(None)) -> None:
    """Retrain the demo models (about 45 minutes on 2 cores)."""
    from llmopt.demo import build

    argv = [*(["--steps", str(steps)] if steps else []), *(["--out", str(out)] if out else [])]
    build.main(argv)


if __name__ == "__main__":
    app()
