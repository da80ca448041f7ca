"""LiteLLM's half of benchmarks/router_overhead.py; runs in LiteLLM's own environment.

Reads a JSON payload (path in argv[1]) and prints one JSON line: p50/p99 ms of a direct call
and of LiteLLM's Router doing the same call (mock responses in "instant" mode; the same vLLM
servers in "servers" mode, with the tier picked by the payload's `route`).
"""

from __future__ import annotations

import json
import statistics
import sys
import time


def percentiles(values):
    ordered = sorted(values)
    return {"p50_ms": 1000 * statistics.median(ordered),
            "p99_ms": 1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]}


def timed(call):
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def main() -> None:
    import litellm
    import openai
    from litellm import Router

    with open(sys.argv[1]) as f:
        payload = json.load(f)
    messages = payload["messages"]
    if payload["mode"] == "instant":
        model_list = [{"model_name": g, "litellm_params": {"model": "openai/x",
                       "api_key": "unused", "mock_response": "ok"}} for g in ("cheap", "strong")]
        router = Router(model_list=model_list)
        direct, routed = [], []
        for i in range(payload["calls"]):
            m = messages[i % len(messages)]
            direct.append(timed(lambda m=m: litellm.completion(
                model="openai/x", api_key="unused", messages=m, mock_response="ok")))
            routed.append(timed(lambda m=m, i=i: router.completion(
                model=("cheap", "strong")[i % 2], messages=m, mock_response="ok")))
        out = {"litellm.completion": percentiles(direct), "litellm Router": percentiles(routed)}
    else:
        servers = payload["servers"]
        names = ["cheap", "strong"]
        model_list = [{"model_name": n, "litellm_params": {
            "model": f"openai/{servers[n][1]}", "api_base": servers[n][0], "api_key": "unused",
            "max_tokens": 32, "temperature": 0}} for n in names]
        router = Router(model_list=model_list, num_retries=0)
        clients = {n: openai.OpenAI(base_url=servers[n][0], api_key="unused", max_retries=0)
                   for n in names}
        direct, routed = [], []
        for i in range(payload["requests"]):
            m = messages[i % len(messages)]
            n = names[payload["route"][i % len(messages)]]
            direct.append(timed(lambda n=n, m=m: clients[n].chat.completions.create(
                model=servers[n][1], messages=m, max_tokens=32, temperature=0)))
            routed.append(timed(lambda n=n, m=m: router.completion(model=n, messages=m)))
        out = {"openai client": percentiles(direct), "litellm Router": percentiles(routed)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
