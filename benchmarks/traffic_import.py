"""Import speed and memory of `llmopt import` on a large synthetic log: rows per second and the
process's peak resident memory, which must stay far below the log's size (lines stream; only
the sample, the ids seen and, for a Batch, the output index stay in memory).

    .venv/bin/python benchmarks/traffic_import.py [--size-mb 1024] [--sample 10000]
        [--format chat-log|openai-batch] [--seed 0] [--keep DIR]

It writes a log of about `--size-mb` MB into a temporary folder (a chat log in LiteLLM's field
names, or a Batch input file with its output file, ~1.4 KB a request: a shared system prompt, a
ticket, the answer, usage, tags, a user and metadata), then imports it with a sample of
`--sample` requests and the user hashed, and prints the rows read per second and the peak RSS
(`resource.getrusage`, before and after the import). Timings are the import alone (writing the
log is not counted). `--keep DIR` writes the log there instead and leaves it.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

from llmopt.traffic import ImportOptions, import_log

SYSTEM = ("You are the support assistant of Acme Corp. Follow the policy manual: refunds within "
          "30 days with a receipt; exchanges within 60 days; no refunds on gift cards. " * 3)
TOPICS = ["refund", "exchange", "delivery", "invoice", "password", "warranty", "upgrade"]


def _ticket(rng: random.Random, i: int) -> tuple[str, str]:
    topic = rng.choice(TOPICS)
    words = " ".join(rng.choice(TOPICS) for _ in range(rng.randint(20, 40)))
    return (f"Ticket {i}: my {topic} request is stuck. Details: {words}.",
            f"Thanks for writing about your {topic}. Per policy section {rng.randint(1, 9)}, "
            f"we have {rng.choice(['approved', 'escalated', 'declined'])} it.")


def write_chat_log(path: Path, size_bytes: int, seed: int) -> int:
    rng, written, lines = random.Random(seed), 0, 0
    with path.open("w") as out:
        while written < size_bytes:
            user, answer = _ticket(rng, lines)
            row = json.dumps({
                "request_id": f"req-{lines:09d}", "startTime": 1746057600 + lines * 0.5,
                "model": "gpt-4o-mini", "call_type": "acompletion",
                "messages": [{"role": "system", "content": SYSTEM},
                             {"role": "user", "content": user}],
                "response": {"choices": [{"message": {"role": "assistant", "content": answer}}]},
                "prompt_tokens": 180 + len(user) // 4, "completion_tokens": len(answer) // 4,
                "request_tags": [rng.choice(["web", "mobile", "email"])],
                "user": f"customer-{rng.randint(1, 50000)}", "status": "success",
                "metadata": {"usage_object": {"prompt_tokens_details": {"cached_tokens": 128}},
                             "user_api_key_team_id": "support"}}) + "\n"
            written += out.write(row)
            lines += 1
    return lines


def write_batch(inputs: Path, outputs: Path, size_bytes: int, seed: int) -> int:
    rng, written, lines = random.Random(seed), 0, 0
    with inputs.open("w") as ins, outputs.open("w") as outs:
        while written < size_bytes:
            user, answer = _ticket(rng, lines)
            custom_id = f"req-{lines:09d}"
            written += ins.write(json.dumps({
                "custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions",
                "body": {"model": "gpt-4o-mini", "user": f"customer-{rng.randint(1, 50000)}",
                         "messages": [{"role": "system", "content": SYSTEM},
                                      {"role": "user", "content": user}]}}) + "\n")
            if rng.random() < 0.99:  # 1% of requests have no output line
                written += outs.write(json.dumps({
                    "id": f"batch_req_{lines}", "custom_id": custom_id, "error": None,
                    "response": {"status_code": 200, "body": {
                        "model": "gpt-4o-mini-2024-07-18", "created": 1746057600 + lines,
                        "choices": [{"message": {"role": "assistant", "content": answer}}],
                        "usage": {"prompt_tokens": 180 + len(user) // 4,
                                  "completion_tokens": len(answer) // 4}}}}) + "\n")
            lines += 1
    return lines


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mb", type=float, default=1024)
    parser.add_argument("--sample", type=int, default=10_000)
    parser.add_argument("--format", choices=["chat-log", "openai-batch"], default="chat-log")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="write the log here and leave it")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="llmopt-traffic-") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        size = int(args.size_mb * 1_000_000)
        started = time.perf_counter()
        log, batch_output = folder / "log.jsonl", None
        if args.format == "chat-log":
            requests = write_chat_log(log, size, args.seed)
        else:
            batch_output = folder / "log.output.jsonl"
            requests = write_batch(log, batch_output, size, args.seed)
        on_disk = log.stat().st_size + (batch_output.stat().st_size if batch_output else 0)
        print(f"wrote {requests:,} requests, {on_disk / 1e6:,.0f} MB ({args.format}) in "
              f"{time.perf_counter() - started:.0f} s; peak RSS so far {peak_rss_mb():.0f} MB")
        hashed = "user" if args.format == "chat-log" else "body.user"
        options = ImportOptions(sample=args.sample, seed=args.seed, hash_fields=(hashed,))
        started = time.perf_counter()
        report = import_log(log, options, output=folder / "traffic.jsonl",
                            batch_output=batch_output)
        seconds = time.perf_counter() - started
    rows = report.lines_read + report.output_lines_read
    print(report.text())
    print(f"import: {seconds:.1f} s, {rows / seconds:,.0f} rows/s, {on_disk / 1e6 / seconds:.1f} "
          f"MB/s; peak RSS {peak_rss_mb():.0f} MB (log {on_disk / 1e6:,.0f} MB)")
    if report.imported != min(args.sample, report.lines_read):
        sys.exit("the sample is not the size asked for")


if __name__ == "__main__":
    main()
