"""Does the quick-start server layout (faster start) distort a throughput comparison? And how
much faster does demo `small` serve than demo `large`?

    .venv/bin/python benchmarks/process_mode.py [--model demo:small] [--repeats 2]
                                                [--max-tokens 32] [--modes default,quick-start]
                                                [--streams 1,16]
    .venv/bin/python benchmarks/process_mode.py --model demo:large,demo:small --modes inproc

Starts the same model once per mode, one server at a time: vLLM's default layout (API server,
engine core and worker processes; torch.compile), `llmopt.serve.launch.QUICK_START` (the
worker inside the engine core's process and `-O0`), or either part alone. On each, it
runs `repeats` x (one stream, 32 requests; 16 streams, 128 requests), each request exactly
`max-tokens` tokens (ignore_eos). Printed: medians per mode and concurrency (req/s, output
tokens/s, mean TTFT, mean TPOT) and the ratios to the first mode. `--modes default,O0,inproc`
tells which part of the quick start costs the speed. Measured 2026-12-04 on the 2-core machine,
no other job (`--modes default,inproc,O0 --repeats 3`): inproc / default req/s 0.83 at one
stream and 1.27 at 16; O0 / default 0.60 and 1.05; another run (repeats 2) 0.75 / 1.14 and
0.42 / 0.35: this machine's speed moves between runs (the README's start-up section). An
earlier run at load 13-17 read quick-start TPOT as 49x: an OpenMP stall since fixed.

With several models (`--model demo:large,demo:small`) each model is started in each mode, and
the ratios are to the first model in the first mode. Measured 2026-12-04, idle, `--model
demo:large,demo:small --modes inproc --repeats 3`: small / large output tokens/s 1.46 at one
stream and 1.22 at 16 (TPOT 0.68x and 0.75x).
"""

from __future__ import annotations

import argparse
import statistics

from server_startup import MODES, demo_server  # benchmarks/ is on sys.path when run as a script

from llmopt import offline
from llmopt.bench import ConcurrentProfile, Endpoint, run
from llmopt.demo import generator, prompt
from llmopt.serve import VllmServer

STREAMS = {1: 32, 16: 128}


def measure(server: VllmServer, items, streams: int, max_tokens: int) -> dict[str, float]:
    endpoint = Endpoint.of(server, api="completions",
                           prompt_template=prompt.render("{system}", "{user}"),
                           max_tokens=max_tokens, extra_body={"ignore_eos": True})
    result = run(endpoint, items[: STREAMS[streams]],
                 ConcurrentProfile(concurrency=streams, max_requests=STREAMS[streams]),
                 progress=False, existing="overwrite")
    row = result.summary().iloc[0]
    frame = result.frame()
    return {"req/s": row["req_per_s"], "out tok/s": row["output_tokens_per_s"],
            "TTFT ms": 1000 * frame["ttft_s"].mean(), "TPOT ms": 1000 * frame["tpot_s"].mean()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="demo:small")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--modes", default="default,quick-start",
                        help=f"compared with the first; of {', '.join(MODES)}")
    parser.add_argument("--streams", default="1,16", help="concurrencies to run")
    args = parser.parse_args(argv)
    offline.enable()
    items = generator.generate(max(STREAMS.values()), seed=5)
    table: dict[tuple[str, int], dict[str, float]] = {}
    modes, streams_run = args.modes.split(","), [int(s) for s in args.streams.split(",")]
    models = args.model.split(",")
    for model, mode in [(m, mode) for m in models for mode in modes]:
        label = mode if len(models) == 1 else f"{model} {mode}"
        with demo_server(model, mode) as server:
            print(f"{label}: started in {server.startup_s:.1f} s", flush=True)
            measure(server, items, 16, args.max_tokens)  # warm-up
            runs: dict[int, list[dict[str, float]]] = {s: [] for s in streams_run}
            for _ in range(args.repeats):
                for streams in streams_run:
                    runs[streams].append(measure(server, items, streams, args.max_tokens))
            for streams, rows in runs.items():
                table[label, streams] = {k: statistics.median(r[k] for r in rows)
                                         for k in rows[0]}
    print(f"\n{args.model}, {args.max_tokens} tokens per request, medians of {args.repeats}")
    keys = list(next(iter(table.values())))
    labels = list(dict.fromkeys(label for label, _ in table))
    print(f"{'mode':24} {'streams':>7} " + " ".join(f"{k:>10}" for k in keys))
    for (label, streams), row in table.items():
        print(f"{label:24} {streams:7d} " + " ".join(f"{row[k]:10.2f}" for k in keys))
    for label in labels[1:]:
        for streams in streams_run:
            other, base = table[label, streams], table[labels[0], streams]
            print(f"{label} / {labels[0]} at {streams:2d} streams: " + ", ".join(
                f"{k} {other[k] / base[k]:.3f}" for k in keys))


if __name__ == "__main__":
    main()
