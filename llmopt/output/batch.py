"""Offline batches: the OpenAI batch file format (one request per line, with its `custom_id`),
run by vLLM's `run-batch` on the same model and flags a server would get, and read back.

A batch trades latency for throughput: the engine sees every request at once and packs its
batches full, with no HTTP or streaming per token; hosted APIs bill a batch at a discount
(see `llmopt.pricing`). The same input file replays through `llmopt bench` (llmopt.workload
reads it), so online serving of the same requests is measured beside the batch.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from llmopt.bench.endpoint import Endpoint
from llmopt.bench.scheduler import Grader
from llmopt.config import read_text
from llmopt.demo.grader import grade
from llmopt.errors import ConfigError, ServerError
from llmopt.evidence.change import (
    Change,
    exact_change,
    ratio_change,
    round_ratio_change,
    usd_per_million_tokens,
)
from llmopt.evidence.decision import Evidence
from llmopt.evidence.quality import paired_quality
from llmopt.evidence.runs import COST
from llmopt.pricing.api import Price, request_cost
from llmopt.redaction import child_env
from llmopt.serve.config import ServeConfig
from llmopt.serve.launch import default_env
from llmopt.settings import get_settings
from llmopt.workload import WorkloadItem

STREAMING = ("stream", "stream_options")
"""Request fields a batch line leaves out: a batch answers whole."""


class BatchLine(BaseModel):
    """One request of an OpenAI batch input file."""

    model_config = ConfigDict(extra="forbid")

    custom_id: str = Field(min_length=1)
    method: Literal["POST"] = "POST"
    url: Literal["/v1/chat/completions", "/v1/completions"]
    body: dict[str, Any]


def write_batch(items: Sequence[WorkloadItem], endpoint: Endpoint, path: str | Path) -> Path:
    """The batch input file for `items`, each body as `endpoint` would send it online (same
    model, max_tokens, temperature and extra fields), without streaming; chat API only (what
    vLLM's run-batch serves)."""
    if endpoint.api != "chat":
        raise ConfigError(f"a batch needs the chat API (vLLM's run-batch serves "
                          f"/v1/chat/completions), got api={endpoint.api!r}")
    ids = [item.id for item in items]
    if len(set(ids)) != len(ids):
        raise ConfigError("batch items need unique ids (they become custom_id); repeated: "
                          f"{sorted({i for i in ids if ids.count(i) > 1})[:5]}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [BatchLine(custom_id=item.id, url="/v1/chat/completions",
                       body={k: v for k, v in endpoint.body(item).items() if k not in STREAMING})
             for item in items]
    path.write_text("".join(line.model_dump_json() + "\n" for line in lines), encoding="utf-8")
    return path


def read_batch_output(path: str | Path) -> pd.DataFrame:
    """One row per line of a batch output file: custom_id, status_code, text, finish_reason,
    prompt_tokens, output_tokens, error. A line that is not a batch result is a row with the
    line number in `error` (and no custom_id); the other lines are all kept."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"batch output file {path} does not exist")
    rows = []
    for number, line in enumerate(read_text(path, "batch output file").split("\n"), start=1):
        if line.strip():
            rows.append(_result(line, f"{path.name}:{number}"))
    return pd.DataFrame(rows, columns=["custom_id", "status_code", "text", "finish_reason",
                                       "prompt_tokens", "output_tokens", "error"])


def _result(line: str, where: str) -> dict[str, Any]:
    try:
        data = json.loads(line)
        response, error = data.get("response") or {}, data.get("error")
        body = response.get("body") or {}
        choice = (body.get("choices") or [{}])[0]
        usage = body.get("usage") or {}
        return {"custom_id": str(data["custom_id"]), "status_code": response.get("status_code"),
                "text": (choice.get("message") or {}).get("content", choice.get("text")),
                "finish_reason": choice.get("finish_reason"),
                "prompt_tokens": usage.get("prompt_tokens"),
                "output_tokens": usage.get("completion_tokens"),
                "error": None if error is None else f"{where}: {error}"}
    except (ValueError, KeyError, AttributeError, TypeError, IndexError) as exc:
        return {"error": f"{where}: not a batch result line ({type(exc).__name__}: {exc})"}


ENGINE_MARK = "LLMOPT_BATCH_ENGINE_S"
TIMED_RUN_BATCH = f"""
import asyncio, time
try:
    from vllm.entrypoints.launchers import run_batch as rb
except ImportError:  # vLLM before the launchers package
    from vllm.entrypoints.openai import run_batch as rb
inner = rb.run_batch
async def timed(engine, args):
    start = time.perf_counter()
    await inner(engine, args)
    print("{ENGINE_MARK}", time.perf_counter() - start, flush=True)
rb.run_batch = timed
asyncio.run(rb.main(rb.parse_args()))
"""
"""vLLM's run-batch, with the seconds its engine spent on the batch (reading the file to
writing the answers, engine start left out) printed at the end."""


def compare_batch(online: pd.DataFrame, batch: pd.DataFrame, engine_s: float,
                  items: Sequence[WorkloadItem], usd_per_hour: float,
                  grader: Grader = grade) -> Evidence:
    """The batch against online serving of the same requests on the same model: accuracy
    paired per request (each answer graded against its item's reference); self-host $ per 1M
    tokens (tokens over seconds at `usd_per_hour`: the batch's engine seconds, each online
    round's wall span), the batch's one figure against every round of `online` (bench records of
    interleaved rounds, one session each); latency: each online request's own against the
    batch's, every answer of which arrives when the job ends (`engine_s`). `grader` grades the
    batch's answers as the bench graded the online ones."""
    answers = batch.set_index("custom_id")
    missing = [i.id for i in items if i.id not in answers.index]
    if missing:
        raise ConfigError(f"the batch output lacks {len(missing)} requests ({missing[:5]})")
    rows = online[(online["status"] == "ok") & ~online["warmup"].astype(bool)].set_index("id")
    ids = [i.id for i in items if i.id in rows.index]
    graded = {i.id: grader(str(answers.loc[i.id, "text"] or ""), i.reference or {}).correct
              for i in items}
    quality = paired_quality(rows.loc[ids, "correct"].astype(bool).tolist(),
                             [graded[i] for i in ids], tiers=rows.loc[ids, "tier"].astype(str))
    tokens = float((answers["prompt_tokens"] + answers["output_tokens"]).sum())
    batch_usd = usd_per_million_tokens([tokens], [engine_s], usd_per_hour, 1)
    rounds = [usd_per_million_tokens([float((r["prompt_tokens"] + r["output_tokens"]).sum())],
                                     [r["end_s"].max() - r["start_s"].min()], usd_per_hour, 1)
              for _, r in rows.groupby("session")]
    cost = round_ratio_change(COST, rounds, [batch_usd] * len(rounds),
                              "the batch ran once: its tokens over engine seconds against "
                              "each online round's tokens over its wall span")
    latency = ratio_change("latency p50", rows.loc[ids, "latency_s"].tolist(),
                           [engine_s] * len(ids))
    return Evidence(quality=quality, cost=cost, latency=latency)


def api_batch_change(batch: pd.DataFrame, price: Price, discounted: Price) -> Change:
    """The bill of the batch's answers (their prompt and output tokens) at the API's online
    `price` and at its batch price (`discounted`): exact, the tokens are the same."""
    def usd(p: Price) -> float:
        return 1e6 * float(sum(request_cost(p, int(i), 0, int(o)) for i, o in zip(
            batch["prompt_tokens"], batch["output_tokens"], strict=True))) / len(batch)
    return exact_change("$ per 1M requests (API, billed tokens)", usd(price), usd(discounted),
                        n=len(batch))


class BatchRun(BaseModel):
    """What one `run_batch` did: its files and log, the wall-clock seconds (engine start
    included) and the engine's seconds on the batch itself."""

    model_config = ConfigDict(extra="forbid")

    input: Path
    output: Path
    log: Path
    wall_s: float
    engine_s: float


def batch_args(config: ServeConfig, input: Path, output: Path) -> list[str]:
    """The arguments of `vllm run-batch` for `config`: the files, then the model and flags a
    server of `config` gets (no port: a batch listens on none)."""
    return ["-i", str(input), "-o", str(output),
            *config.model_copy(update={"port": None}).to_args()]


def run_batch(config: ServeConfig, input: str | Path, output: str | Path, *,
              timeout_s: float = 1800.0) -> BatchRun:
    """Run `input` through vLLM's run-batch with `config`'s model and flags (those a server
    gets, so a batch and online serving differ only in how requests arrive); ServerError with
    the log's tail when it fails."""
    settings = get_settings()
    input, output = Path(input), Path(output)
    if not input.is_file():
        raise ConfigError(f"batch input file {input} does not exist")
    output.parent.mkdir(parents=True, exist_ok=True)
    python = str(settings.vllm_python)
    argv = [python, "-c", TIMED_RUN_BATCH, *batch_args(config, input, output)]
    log = output.with_suffix(".log")
    start = time.perf_counter()
    with log.open("wb") as sink:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=sink,  # nosec B603 # argv built here, no shell
                              stderr=subprocess.STDOUT, timeout=timeout_s, check=False,
                              env=child_env(default_env(config, settings, python)))
    wall = time.perf_counter() - start
    text = log.read_text(errors="replace")
    engine = [line.split()[-1] for line in text.split("\n") if line.startswith(ENGINE_MARK)]
    if done.returncode != 0 or not output.is_file() or not engine:
        raise ServerError(f"vllm run-batch exited with {done.returncode} on {input}; the end "
                          f"of its log ({log}):\n{text[-2000:]}")
    return BatchRun(input=input, output=output, log=log, wall_s=wall, engine_s=float(engine[-1]))
