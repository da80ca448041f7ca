"""The guardrail: each step decided on every tier against the baseline, on cost and latency
against the stack before it; a dropped step leaves the stack, and later steps build without it.

`Sent` stands in for the servers: it answers a setting with records that follow from the
setting alone (every step's effect stated below), so each verdict is known in advance."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import pytest

from llmopt.business import guardrail, stack
from llmopt.business.guardrail import build, guard, naive_product
from llmopt.business.stack import Setting, Step
from llmopt.errors import NotApplicable
from llmopt.evidence import Evidence, decide, exact_change, paired_quality
from tests.unit.business.records import frame_of

N = 40  # requests: 20 easy, 20 hard


def kept_row(technique: str, setting: str, pct: float):
    cost = exact_change("$ per 1M requests", 100.0, 100.0 + pct)
    same = paired_quality([True] * 4, [True] * 4)
    return decide(technique, setting, Evidence(quality=same, cost=cost), budget_points=2.0)


def step(kind: str, setting: str, pct: float, **fields) -> Step:
    return Step(kind=kind, notebook="nn", decision=kept_row(kind, setting, pct), **fields)


CAP = step("output cap", "max_tokens 50", -5, request={"max_tokens": 50})
COMPRESSION = step("prompt compression", "rate 0.5", -20,
                   compression={"kind": "llmlingua", "rate": 0.5})
PREFIX = step("prefix caching", "on vs off", -8)
SPECULATION = step("speculative decoding", "draft_model (3 tokens)", -7,
                   server={"speculative": {"method": "ngram", "num_speculative_tokens": 3}})
CACHE = step("response cache", "SQLite", -14, cache={"kind": "exact"})


class Sent:
    """Records for a setting: every request right, 100 output tokens, 1 s; the cap halves
    the output tokens; compression gets 8 of the 20 hard requests wrong; a cache answers the
    last quarter for nothing; a server of its own does not apply (none may start)."""

    concurrency = 1

    def __init__(self) -> None:
        self.sent: list[tuple[Setting, ...]] = []
        self.released: list[Setting] = []

    def measure(self, *settings: Setting) -> list[pd.DataFrame]:
        if any(s.server for s in settings):
            raise NotApplicable("this profile starts no server (launch_servers: false)")
        self.sent.append(settings)
        return [self.records(s) for s in settings]

    def release(self, keep: Sequence[Setting]) -> None:
        self.released = list(keep)

    @staticmethod
    def records(setting: Setting) -> pd.DataFrame:
        rows = [{"tier": "easy" if i % 2 else "hard", "latency_s": 1.0, "session": f"s{i % 4}",
                 "output_tokens": 50 if setting.request.get("max_tokens") else 100,
                 "correct": not (setting.compression and i % 2 == 0 and i < 16)}
                for i in range(N)]
        if setting.cache:
            for row in rows[-N // 4:]:
                row["cache_hit"] = True
        frame = frame_of(rows)
        if setting.cache:
            hits = frame["cache_hit"]
            frame.loc[hits, ["cost_usd", "output_tokens", "prompt_tokens"]] = 0
            frame.loc[hits, "latency_s"] = 0.001
        return frame


def test_each_step_is_kept_dropped_or_not_applicable_and_later_steps_build_without_a_drop():
    runner = Sent()
    built = build([CAP, COMPRESSION, PREFIX, SPECULATION, CACHE], runner, budget_points=2.0,
                  usd_per_hour=1.0)
    verdicts = {m.step.kind: m.decision.verdict for m in built.steps}
    assert verdicts == {"output cap": "keep", "prompt compression": "drop",
                        "prefix caching": "keep", "speculative decoding": "not applicable",
                        "response cache": "keep"}
    compression = built.steps[1].decision
    assert compression.why.startswith("loses 20.0 points")  # overall: as bad as its worst tier
    assert compression.evidence.quality.by_tier["easy"].difference_points == 0  # whole evidence
    assert "launch_servers: false" in built.steps[3].decision.why
    assert "already on in the baseline" in built.steps[2].decision.why
    cached = runner.sent[-1][1]  # the cache was built on the cap alone: compression was dropped
    assert cached.compression is None and cached.request == {"max_tokens": 50} and cached.cache
    assert built.final == cached and runner.released == [cached]
    assert [m.step.kind for m in built.kept] == ["output cap", "response cache"]
    assert list(built.stages) == ["baseline", f"+ {CAP.name}", f"+ {CACHE.name}"]


def test_the_quality_is_against_the_baseline_and_the_cost_against_the_stack_before():
    built = build([CAP, CACHE], Sent(), budget_points=2.0, usd_per_hour=1.0)
    cap, cache = (m.decision.evidence for m in built.steps)
    assert cap.cost.baseline == pytest.approx(2200) and cap.cost.candidate == pytest.approx(1800)
    assert cache.cost.baseline == pytest.approx(1800)  # the stack with the cap
    assert cache.cost.candidate == pytest.approx(1800 * 3 / 4)
    assert cache.quality.n == N and cache.quality.discordant == 0


def test_nothing_to_measure_leaves_the_baseline_measured_alone():
    runner = Sent()
    built = build([PREFIX], runner, budget_points=2.0, usd_per_hour=1.0)
    assert runner.sent == [(Setting(),)] and built.final == Setting() and built.kept == []
    assert list(built.stages) == ["baseline"]


def test_the_worst_tier_decides_and_says_which():
    quality = paired_quality([True] * 220, [True] * 215 + [False] * 5,
                             tiers=["easy"] * 200 + ["hard"] * 20)
    evidence = Evidence(quality=quality, cost=exact_change("$", 10.0, 5.0))
    assert decide("x", "y", evidence, budget_points=2.0).verdict == "inconclusive"  # overall
    decided = guard(CAP, evidence, budget_points=2.0)
    assert decided.verdict == "drop" and decided.why.startswith("hard tier: loses 25.0")
    assert decided.evidence == evidence
    straddles = paired_quality([True] * 220, [True] * 219 + [False],
                               tiers=["easy"] * 200 + ["hard"] * 20)
    decided = guard(CAP, Evidence(quality=straddles, cost=exact_change("$", 10.0, 5.0)), 2.0)
    assert decided.verdict == "inconclusive" and decided.why.startswith("hard tier: quality -5.0")
    assert decided.requests_to_settle is not None


def test_predicted_beside_measured_per_step_and_as_a_naive_product():
    built = build([CAP, CACHE], Sent(), budget_points=2.0, usd_per_hour=1.0)
    table = guardrail.predicted(built).set_index("step")
    assert table.loc["output cap", "notebook_pct"] == pytest.approx(-5)
    assert table.loc["output cap", "stack_pct"] == pytest.approx(100 * (1800 / 2200 - 1))
    assert table.loc["response cache", "gap_points"] == pytest.approx(-25 - -14)
    assert table.loc["response cache", "why_they_differ"] == stack.ORDER["response cache"].overlap
    totals = guardrail.totals(built, concurrency=1).set_index("figure")
    bill = totals.loc["API bill ($ per 1M requests)"]
    assert bill["naive_product_pct"] == pytest.approx(100 * (0.95 * 0.86 - 1))
    assert bill["measured_pct"] == pytest.approx(100 * (1800 * 0.75 / 2200 - 1))
    assert naive_product([]) == 0 and naive_product([-50, -50]) == pytest.approx(-75)


def test_the_step_table_has_the_baseline_and_every_step():
    built = build([CAP, PREFIX, CACHE], Sent(), budget_points=2.0, usd_per_hour=1.0)
    table = guardrail.table(built, concurrency=1)
    assert list(table["step"]) == ["baseline", CAP.name, PREFIX.name, CACHE.name]
    assert table.loc[3, "cache_hit_rate"] == 0.25 and table.loc[3, "quality_hard"] == \
        "+0.0 [+0.0, +0.0]"
    assert pd.isna(table.loc[2, "usd_per_million_requests"])  # in the baseline: not measured
