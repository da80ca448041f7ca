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


@app.command("demo-build")
def demo_build(steps: int = typer.Option(None), out: Path = typer.Option(None)) -> None:
    """Retrain the demo models (about 45 minutes on 2 cores)."""
    from llmopt.demo import build

    argv = [*(["--steps", str(steps)] if steps else []), *(["--out", str(out)] if out else [])]
    build.main(argv)


if __name__ == "__main__":
    app()
