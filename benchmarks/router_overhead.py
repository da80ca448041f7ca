"""What does the router add per call? Side by side with LiteLLM's Router, on the same servers.

    .venv/bin/python benchmarks/router_overhead.py [--requests 60] [--instant-calls 2000]
                                   [--litellm-python /tmp/litellm-venv/bin/python]
                                   [--torch-too] [--quality]

Two measurements:

  * in process, on instant tiers (LangChain fake chat models that answer at once): the time of
    `RouterChatModel.invoke` minus a direct `invoke` of the same tier, p50 and p99, for the
    heuristic and the embedding (MiniLM + logistic regression) scorers (with --torch-too also the
    embedding scorer on torch: bfloat16 where the CPU has it, and float32). This is the router's
    own cost per call, free of server noise. LiteLLM's `Router.completion(..., mock_response=...)`
    against `litellm.completion(..., mock_response=...)` is the same measurement for LiteLLM.
  * end to end, on the demo `small` (cheap) and `large` (strong) vLLM servers, interleaved
    request by request: a direct ChatOpenAI call to the tier the scorer picks, the router (both
    scorers), and LiteLLM's Router sending the same request to the same tier (LiteLLM is given
    the router's decision, so its figure holds no scoring). Reported: p50 and p99 latency and the
    difference of medians against the direct call.
  * streamed, on the same servers and requests, interleaved: time to the first chunk with text
    from the tier's own ChatOpenAI `.stream`, from the router streaming live (the default) and
    from the router streaming whole answers (`stream_mode="whole"`, no token before the last).

With --quality, what the encoder costs in routing: demo `small` (in process, greedy) answers
1,200 demo requests, graded; each encoder's scorer is fit on 600 and scored on the other 600,
three times (different splits); held-out AUC of "the cheap tier gets it wrong", the heuristic's
beside it.

LiteLLM lives in its own environment (never in requirements/main.txt): create it with
`python3 -m venv /tmp/litellm-venv && /tmp/litellm-venv/bin/pip install litellm` and pass its
python with --litellm-python; without it the LiteLLM columns are left out and say so.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from langchain_core.language_models.fake_chat_models import FakeListChatModel

from llmopt import offline
from llmopt.demo import generator
from llmopt.profile import Profile
from llmopt.route import RouterChatModel, Tier
from llmopt.route.scorers import EmbeddingScorer, HeuristicScorer
from llmopt.settings import REPO_ROOT

LITELLM_PART = Path(__file__).with_name("router_overhead_litellm.py")


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    at = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {"p50_ms": 1000 * statistics.median(ordered), "p99_ms": 1000 * at(0.99)}


def timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


TORCH = {"embedding-torch-bf16": {"backend": "torch", "dtype": "bfloat16"},
         "embedding-torch-fp32": {"backend": "torch", "dtype": "float32"}}


def scorers(items: list, torch_too: bool = False) -> dict[str, object]:
    """Heuristic and embedding scorers (the embedding one trained on the items' chat messages,
    read as it reads them when scoring); with `torch_too` the embedding scorer on torch as well,
    to see what ONNX Runtime int8 saves on this CPU."""
    messages = [_as_lc(i.messages()) for i in items]
    labels = [i.tier == "easy" for i in items]
    chosen = {"heuristic": HeuristicScorer(), "embedding": EmbeddingScorer().fit(messages, labels)}
    for name, settings in TORCH.items() if torch_too else ():
        chosen[name] = EmbeddingScorer(**settings).fit(messages, labels)
    return chosen


def quality(count: int = 1200, splits: int = 3) -> dict[str, list[float]]:
    """Held-out AUC of each scorer at telling which requests demo `small` gets wrong."""
    import numpy as np
    import torch
    from sklearn.metrics import roc_auc_score
    from transformers import AutoTokenizer, LlamaForCausalLM

    from llmopt.demo import assets, grader
    from llmopt.demo.evaluate import generate_answers

    items = generator.generate(count, seed=7)
    folder = assets.model_dir("small")
    model = LlamaForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    outputs = generate_answers(model, AutoTokenizer.from_pretrained(folder), items)
    correct = [grader.grade(o, i.reference or {}).correct for i, o in zip(items, outputs,
                                                                            strict=True)]
    wrong = np.array([not c for c in correct])
    messages = [_as_lc(i.messages()) for i in items]
    candidates = {"heuristic": lambda: HeuristicScorer(), "embedding": lambda: EmbeddingScorer(),
                  **{n: lambda s=s: EmbeddingScorer(**s) for n, s in TORCH.items()}}
    rng = np.random.default_rng(0)
    orders = [rng.permutation(count) for _ in range(splits)]
    report: dict[str, list[float]] = {"cheap_wrong_share": [float(wrong.mean())]}
    for name, make in candidates.items():
        report[name] = []
        for order in orders:
            fit, held = order[: count // 2], order[count // 2 :]
            scorer = make()
            if name != "heuristic":
                scorer.fit([messages[i] for i in fit], [correct[i] for i in fit])
            scores = [scorer.score(messages[i]) for i in held]
            report[name].append(round(float(roc_auc_score(wrong[held], scores)), 3))
    return report


def forget(router: RouterChatModel) -> None:
    """Make the router's embedding scorer embed the next request afresh (its encoder remembers
    recent texts, and these benchmarks send the same requests more than once)."""
    encoder = getattr(router.scorer, "encoder", None)
    if encoder is not None:
        encoder.forget()


def instant(calls: int, chosen: dict[str, object], messages: list) -> dict[str, dict]:
    fake = lambda: FakeListChatModel(responses=["ok"])  # noqa: E731
    tiers = [Tier(name="cheap", model=fake(), priced_as="demo:small"),
             Tier(name="strong", model=fake(), priced_as="demo:large")]
    direct = fake()
    routers = {n: RouterChatModel(tiers=tiers, scorer=s, thresholds=[0.5])
               for n, s in chosen.items()}
    samples: dict[str, list[float]] = {"direct": [], **{n: [] for n in routers}}
    for i in range(calls):
        m = messages[i % len(messages)]
        samples["direct"].append(timed(lambda m=m: direct.invoke(m)))
        for name, router in routers.items():
            forget(router)  # a request seen before would not be embedded again
            samples[name].append(timed(lambda r=router, m=m: r.invoke(m)))
    return {n: percentiles(v) for n, v in samples.items()}


def end_to_end(requests: int, chosen: dict[str, object], items: list, servers: dict,
               litellm: list[float] | None) -> dict[str, dict]:
    tiers = [Tier.openai(name, s.base_url, s.model_name, s.model_name, max_tokens=32)
             for name, s in servers.items()]
    routers = {n: RouterChatModel(tiers=tiers, scorer=s, thresholds=[0.5])
               for n, s in chosen.items()}
    samples: dict[str, list[float]] = {"direct": [], **{n: [] for n in routers}}
    for i in range(requests):
        messages = items[i % len(items)].messages()
        tier = tiers[routers["heuristic"].route(_as_lc(messages))]
        samples["direct"].append(timed(lambda t=tier, m=messages: t.model.invoke(m, max_tokens=32)))
        for name, router in routers.items():
            forget(router)
            samples[name].append(timed(lambda r=router, m=messages: r.invoke(m)))
    return {n: percentiles(v) for n, v in samples.items()}


def first_chunk_s(stream: object) -> float:
    """Seconds from asking to the first chunk with text (the stream is read to its end)."""
    start, first = time.perf_counter(), None
    for chunk in stream:  # type: ignore[attr-defined]
        if first is None and chunk.content:
            first = time.perf_counter() - start
    return first if first is not None else time.perf_counter() - start


def streamed(requests: int, items: list, servers: dict) -> dict[str, dict]:
    """Time to first chunk: the tier's own stream against the router's, live and whole."""
    tiers = [Tier.openai(name, s.base_url, s.model_name, s.model_name, max_tokens=32)
             for name, s in servers.items()]
    routers = {f"router ({mode})": RouterChatModel(tiers=tiers, scorer=HeuristicScorer(),
                                                    thresholds=[0.5], stream_mode=mode)
               for mode in ("live", "whole")}
    samples: dict[str, list[float]] = {"direct": [], **{n: [] for n in routers}}
    for i in range(requests):
        messages = items[i % len(items)].messages()
        tier = tiers[routers["router (live)"].route(_as_lc(messages))]
        samples["direct"].append(first_chunk_s(tier.model.stream(messages, max_tokens=32)))
        for name, router in routers.items():
            samples[name].append(first_chunk_s(router.stream(messages)))
    return {n: percentiles(v) for n, v in samples.items()}


def _as_lc(messages: list[dict]) -> list:
    from langchain_core.messages import convert_to_messages

    return convert_to_messages(messages)


def run_litellm(python: str, payload: dict) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(payload, f)
    out = subprocess.run([python, str(LITELLM_PART), f.name], capture_output=True, text=True,
                         check=False)
    if out.returncode != 0:
        return {"error": out.stderr[-2000:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--instant-calls", type=int, default=2000)
    parser.add_argument("--litellm-python", default=None)
    parser.add_argument("--no-servers", action="store_true")
    parser.add_argument("--torch-too", action="store_true",
                        help="also time the embedding scorer on torch (bfloat16 and float32)")
    parser.add_argument("--quality", action="store_true",
                        help="also the held-out routing AUC of each encoder (about 3 minutes)")
    args = parser.parse_args()
    offline.enable()
    items = generator.generate(120, seed=0)
    chosen = scorers(items[:80], args.torch_too)
    lc_messages = [_as_lc(i.messages()) for i in items[80:]]
    report: dict = {"instant": instant(args.instant_calls, chosen, lc_messages)}
    if args.litellm_python:
        report["instant_litellm"] = run_litellm(args.litellm_python, {
            "mode": "instant", "calls": args.instant_calls,
            "messages": [i.messages() for i in items[80:]]})
    if not args.no_servers:
        pilot = Profile.load(REPO_ROOT / "cookbook/profiles/demo.yaml")
        pilot.prepare()
        servers = {"cheap": pilot.server("draft", extra_args=["-O0"]),
                   "strong": pilot.server("target", extra_args=["-O0"])}
        threads = [threading.Thread(target=s.start) for s in servers.values()]
        [t.start() for t in threads]
        [t.join() for t in threads]
        try:
            report["end_to_end"] = end_to_end(args.requests, chosen, items[80:], servers, None)
            report["stream_ttft"] = streamed(args.requests, items[80:], servers)
            if args.litellm_python:
                heuristic = chosen["heuristic"]
                report["end_to_end_litellm"] = run_litellm(args.litellm_python, {
                    "mode": "servers", "requests": args.requests,
                    "servers": {n: [s.base_url, s.model_name] for n, s in servers.items()},
                    "messages": [i.messages() for i in items[80:]],
                    "route": [int(heuristic.score(_as_lc(i.messages())) >= 0.5)
                              for i in items[80:]]})
        finally:
            for s in servers.values():
                s.stop()
    if args.quality:
        report["quality_auc"] = quality()
    print(json.dumps(report, indent=1))
    for part, rows in report.items():
        base_name = next((n for n in ("direct", "litellm.completion") if n in rows), None)
        if base_name is not None:
            base = rows[base_name]["p50_ms"]
            for name, row in rows.items():
                print(f"{part:>20} {name:>20}: p50 {row['p50_ms']:8.3f} ms  p99 "
                      f"{row['p99_ms']:8.3f} ms  added p50 {row['p50_ms'] - base:+8.3f} ms")


if __name__ == "__main__":
    sys.exit(main())
