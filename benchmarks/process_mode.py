"""Does the demo profile's quick-start server layout distort a throughput comparison?

    .venv/bin/python benchmarks/process_mode.py [--model demo:small] [--repeats 2]
                                                [--max-tokens 32]

Starts the same model twice, one server at a time: with vLLM's default layout (API server,
engine core and worker processes; torch.compile) and with `llmopt.serve.launch.QUICK_START`
(the worker inside the engine core's process, `-O0`), the demo profile's default. On each, it
runs `repeats` x (one stream, 32 requests; 16 streams, 128 requests), each request exactly
`max-tokens` tokens (ignore_eos). Printed: medians per mode and concurrency (req/s, output
tokens/s, mean TTFT, mean TPOT) and the ratios quick-start / default. A comparison made inside
one layout holds in the other when the ratios at 1 and at 16 streams are close to each other.
"""

from __future__ import annotations

import argparse
import statistics

from llmopt import offline
from llmopt.bench import ConcurrentProfile, Endpoint, run
from llmopt.demo import generator, prompt
from llmopt.profile import resolve_model
from llmopt.serve import ServeConfig, VllmServer
from llmopt.serve.launch import QUICK_START

MODES = {"default": {}, "quick-start": QUICK_START}
STREAMS = {1: 32, 16: 128}


def measure(server: VllmServer, items, streams: int, max_tokens: int) -> dict[str, float]:
    endpoint = Endpoint(base_url=server.base_url, model=server.model_name, api="completions",
                        prompt_template=prompt.render("{system}", "{user}"),
                        max_tokens=max_tokens, extra_body={"ignore_eos": True})
    result = run(endpoint, items[: STREAMS[streams]],
                 ConcurrentProfile(concurrency=streams, max_requests=STREAMS[streams]),
                 progress=False, resume=False)
    row = result.summary().iloc[0]
    frame = result.frame()
    return {"req/s": row["req_per_s"], "out tok/s": row["output_tokens_per_s"],
            "TTFT ms": 1000 * frame["ttft_s"].mean(), "TPOT ms": 1000 * frame["tpot_s"].mean()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="demo:small")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--max-tokens", type=int, default=32)
    args = parser.parse_args(argv)
    offline.enable()
    items = generator.generate(max(STREAMS.values()), seed=5)
    table: dict[tuple[str, int], dict[str, float]] = {}
    for mode, fields in MODES.items():
        config = ServeConfig(model=resolve_model(args.model), served_model_name=args.model,
                             max_model_len=1024, **fields)
        with VllmServer(config) as server:
            print(f"{mode}: started in {server.startup_s:.1f} s", flush=True)
            measure(server, items, 16, args.max_tokens)  # warm-up
            runs: dict[int, list[dict[str, float]]] = {s: [] for s in STREAMS}
            for _ in range(args.repeats):
                for streams in STREAMS:
                    runs[streams].append(measure(server, items, streams, args.max_tokens))
            for streams, rows in runs.items():
                table[mode, streams] = {k: statistics.median(r[k] for r in rows)
                                        for k in rows[0]}
    print(f"\n{args.model}, {args.max_tokens} tokens per request, medians of {args.repeats}")
    keys = list(next(iter(table.values())))
    print(f"{'mode':12} {'streams':>7} " + " ".join(f"{k:>10}" for k in keys))
    for (mode, streams), row in table.items():
        print(f"{mode:12} {streams:7d} " + " ".join(f"{row[k]:10.2f}" for k in keys))
    for streams in STREAMS:
        quick, default = table["quick-start", streams], table["default", streams]
        print(f"quick-start / default at {streams:2d} streams: " + ", ".join(
            f"{k} {quick[k] / default[k]:.3f}" for k in keys))


if __name__ == "__main__":
    main()
