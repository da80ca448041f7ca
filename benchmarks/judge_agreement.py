"""How far to trust quality without gold labels: each agreement metric against the demo truth.

    .venv/bin/python benchmarks/judge_agreement.py [--n 120] [--seed 0] [--max-tokens 128]
        [--concurrency 4]

Starts the demo `small` and `large` models on the local vLLM CPU build (with structured
outputs, xgrammar, no free whitespace), answers the demo profile's first `--n` requests with
both, and takes `large`'s answers (the strong model's) as the references. The candidates are
`small`'s answers (the interesting pairs) and `large`'s own (identical to the references: any
judge should say "same"). Each metric grades every candidate against its reference without
the gold fields (llmopt.grading.measure_trust), and its verdicts are compared with the demo
truth (same: both answers have the same value on every gold field, by the demo grader):

  * json_fields: exact match on the reference's JSON fields (no model called);
  * judge demo:small / demo:large: each demo model as the judge, through a llmopt.route.Tier,
    with the prompt alone ("prompt") and with the verdict's JSON schema sent as the
    response_format ("schema"); each with the request's system prompt, the policy manual
    ("+system": the judge's prompt is then ~950-1,000 of the demo models' 1,024 tokens, so
    the verdict has few tokens left) and without it ("-system", include_system=False).

Printed: the answers' accuracy against the gold fields, then one row per metric and candidate
source (and both pooled): agreement with its 95% Wilson interval, Cohen's kappa with its 95%
interval, the confusion counts (truth->verdict; verdict `error`: no parseable verdict), and the
judge's own bill (demo prices: a simulation, labelled as such in llmopt.pricing). Then a few
replies that did not parse, per judge. The demo models are 5M-parameter ticket models, not
judges: their numbers say how a judge that cannot judge looks in this table.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from pathlib import Path

import pandas as pd

from llmopt import offline
from llmopt.completions import complete
from llmopt.demo import grader
from llmopt.grading import JsonFields, Judge, Trust, agreement_of, measure_trust
from llmopt.profile import Profile
from llmopt.route import Tier

STRUCTURED = ["--structured-outputs-config",
              json.dumps({"backend": "xgrammar", "disable_any_whitespace": True})]
"""Guided decoding for the schema runs; no free whitespace, so a tiny model cannot fill the
grammar's optional whitespace until max_tokens (tests/integration/conftest.py)."""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=120)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args(argv)
    offline.enable()
    pilot = Profile.load(Path(__file__).parents[1] / "cookbook/profiles/demo.yaml").model_copy(
        update={"n_requests": args.n, "seed": args.seed})
    items = pilot.workload_items()
    start = time.perf_counter()
    with pilot.server("draft", extra_args=["-O0", *STRUCTURED]) as small, \
            pilot.server("target", extra_args=["-O0", *STRUCTURED]) as large:
        answers = {name: complete(server.base_url, server.model_name, items)
                   for name, server in (("small", small), ("large", large))}
        _accuracy(items, answers)
        references = [a.text for a in answers["large"]]
        pairs = items + items, answers["small"] + answers["large"], references + references
        candidates = [a.text for a in pairs[1]]
        sources = ["small"] * len(items) + ["large"] * len(items)
        runs = {"json_fields": measure_trust(JsonFields(), pairs[0], candidates, pairs[2])}
        for name, server in (("demo:small", small), ("demo:large", large)):
            tier = Tier.served(f"judge {name}", server, max_tokens=args.max_tokens)
            for mode, system in itertools.product(("prompt", "schema"), (True, False)):
                judge = Judge(tier=tier, structured=mode == "schema", include_system=system,
                              concurrency=args.concurrency)
                label = f"judge {name} {mode} {'+' if system else '-'}system"
                runs[label] = measure_trust(judge, pairs[0], candidates, pairs[2])
    print(f"\n{len(items)} demo requests, seed {args.seed}; references: demo large's answers; "
          f"{time.perf_counter() - start:.0f} s in all\n")
    pd.set_option("display.width", 250)
    print(_table(runs, sources).to_string(index=False))
    _unparsed(runs)


def _accuracy(items: list, answers: dict) -> None:
    for name, got in answers.items():
        graded = grader.grade_frame(items, [a.text for a in got])
        failed = sum(a.error is not None for a in got)
        print(f"demo {name}: accuracy against the gold fields {graded['correct'].mean():.3f} "
              f"({failed} failed requests)")


def _table(runs: dict[str, Trust], sources: list[str]) -> pd.DataFrame:
    rows = []
    for metric, trust in runs.items():
        for source in ("small", "large", "both"):
            keep = [i for i, s in enumerate(sources) if source in ("both", s)]
            result = agreement_of([trust.grades[i] for i in keep],
                                  [trust.truth[i] for i in keep], metric)
            rows.append({"candidates": source, **result.row(),
                         "truth same": result.truth_same})
    table = pd.DataFrame(rows)
    table["cost_usd"] = table["cost_usd"].map(lambda c: f"{c:.5f}")
    return table.drop(columns=["unpriced"]).rename(columns=lambda c: c.replace("->", ">"))


def _unparsed(runs: dict[str, Trust], shown: int = 3) -> None:
    for metric, trust in runs.items():
        errors = [g.error for g in trust.grades if g.label == "error"]
        if errors:
            print(f"\n{metric}: {len(errors)} errors; first {min(shown, len(errors))}:")
            for error in errors[:shown]:
                print(f"  {error[:200]}")


if __name__ == "__main__":
    main()
