"""Do the decisions' speed intervals hold? An A/A check: two identical servers compared as the
notebooks compare two settings, many times over.

    .venv/bin/python benchmarks/interleave_aa.py [--repeats 10] [--requests 30] [--in-flight 1,8]
                                                 [--model demo:large] [--same-server]

Two servers of the same model and flags (`--same-server`: one server, both arms) get a warm-up,
then the same requests in interleaved rounds (`llmopt.bench.interleaved`, `--rounds`), and are
compared as the notebooks compare two settings: the self-host cost from the throughput and the
p50 latency, each with its 95% interval, in two ways side by side: over the rounds (a paired t
interval of the per-round log ratios: what `llmopt.evidence.compare_runs` does) and over the
requests as if they were independent (a paired bootstrap). Nothing differs between the arms, so
an interval that excludes 1 is a false alarm: printed per repeat and counted at the end, per
load and method. About 5% of intervals should exclude 1 if they capture the noise.
"""

from __future__ import annotations

import argparse
import collections
from pathlib import Path
from tempfile import TemporaryDirectory

from llmopt import offline
from llmopt.bench import Arm, Endpoint, interleaved
from llmopt.evidence import compare_runs
from llmopt.profile import Profile
from llmopt.serve import serving


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--in-flight", default="1,8")
    parser.add_argument("--model", default="demo:large")
    parser.add_argument("--same-server", action="store_true")
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args(argv)
    offline.enable()
    pilot = Profile.load(Path(__file__).parents[1] / "cookbook/profiles/demo.yaml").model_copy(
        update={"n_requests": args.requests, "target_model": args.model})
    items, warmup = pilot.workload_items(), pilot.warmup_items()
    loads = [int(c) for c in args.in_flight.split(",")]
    alarms: collections.Counter[tuple[int, str, str]] = collections.Counter()
    servers = {"a": pilot.server("target")} | ({} if args.same_server else
                                               {"b": pilot.server("target")})
    with serving(servers), TemporaryDirectory() as tmp:
        arm = {name: Arm(Endpoint.of(s, max_tokens=64), items, s) for name, s in servers.items()}
        arms = {"a": arm["a"], "b": arm.get("b", arm["a"])}
        for repeat in range(args.repeats):
            for in_flight in loads:
                got = interleaved(arms, concurrency=in_flight, rounds=args.rounds, warmup=warmup,
                                  results_dir=Path(tmp) / f"{repeat}-{in_flight}")
                a, b = got["a"].frame(), got["b"].frame()
                by_round = compare_runs(a, b, cost="throughput", latency="latency_s",
                                        usd_per_hour=1.0, in_flight=in_flight)
                by_request = compare_runs(a.assign(session="one"), b.assign(session="one"),
                                          cost="throughput", latency="latency_s",
                                          usd_per_hour=1.0, in_flight=in_flight)
                for method, ev in (("rounds", by_round), ("requests", by_request)):
                    for change in (ev.cost, ev.latency):
                        alarms[in_flight, change.metric, method] += (
                            change.direction != "no measurable change")
                    print(f"repeat {repeat + 1}, {in_flight} in flight, over {method}: "
                          f"{ev.cost.describe()}; {ev.latency.describe()}", flush=True)
    print(f"\nintervals that exclude 1 (false alarms) over {args.repeats} repeats:")
    for (in_flight, metric, method), count in sorted(alarms.items()):
        print(f"  {in_flight:3d} in flight  {metric:28s} over {method:8s} {count}/{args.repeats}")


if __name__ == "__main__":
    main()
