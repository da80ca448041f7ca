"""The guardrail: the stack built up one kept technique at a time, each step measured and kept
only where it holds.

For each step, the stack with it and the stack before it (the kept steps so far) are sent
interleaved on the held-out requests (`Runner.measure`), and `llmopt.evidence.decide` judges:

- quality: the stack with this step against the baseline (cumulative), paired request by
  request, on the whole sample and on every tier: the step is kept only if every interval holds
  the quality budget (the worst verdict of the overall and the per-tier ones wins);
- cost and latency: against the stack before it, each step on what it saves (`ORDER`: the API
  bill for a step that changes tokens, the self-host $ per 1M tokens from the throughput for a
  server option), and the median latency.

A step that breaks the budget, is inconclusive or gains nothing is dropped, and the next step
is built on the stack without it. A step already in the baseline (prefix caching) is kept
without a measurement; one the profile cannot run (no server of its own may start) is "not
applicable" with its reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import pandas as pd
from pydantic import BaseModel, ConfigDict

from llmopt.business.figures import figures
from llmopt.business.stack import Setting, Step
from llmopt.errors import ConfigError, NotApplicable
from llmopt.evidence import Decision, Evidence, compare_runs, decide, relative_change

SEVERITY = {"keep": 0, "inconclusive": 1, "drop": 2}


class Measures(Protocol):
    """What `build` sends the settings with (llmopt.business.measure.Runner)."""

    concurrency: int

    def measure(self, *settings: Setting) -> list[pd.DataFrame]: ...

    def release(self, keep: Sequence[Setting]) -> None: ...


class StepResult(BaseModel):
    """One step of the stack: its decision, and where it was measured its records and the
    records of the stack before it, from the same pass."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    step: Step
    decision: Decision
    setting: Setting
    """The stack with this step (measured, kept or not)."""
    frame: pd.DataFrame | None = None
    previous: pd.DataFrame | None = None


class Built(BaseModel):
    """The stack as built: the baseline's records, every step, and the final setting."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    baseline: pd.DataFrame
    steps: list[StepResult]
    final: Setting

    @property
    def kept(self) -> list[StepResult]:
        """The measured steps the guardrail kept, in order."""
        return [m for m in self.steps if m.decision.keep and m.frame is not None]

    @property
    def stages(self) -> dict[str, pd.DataFrame]:
        """Records of the baseline and of the stack after each kept step, in order."""
        return {"baseline": self.baseline} | {m.setting.name: m.frame for m in self.kept}

    @property
    def decisions(self) -> list[Decision]:
        return [m.decision for m in self.steps]


def build(steps: list[Step], runner: Measures, *, budget_points: float, usd_per_hour: float
          ) -> Built:
    """Each step on top of the kept ones, measured and decided in order."""
    stack, baseline, done = Setting(), None, []
    for step in steps:
        if step.in_baseline:
            done.append(StepResult(step=step, decision=already_on(step, budget_points),
                                 setting=stack))
            continue
        candidate = stack.plus(step)
        try:
            previous, frame = runner.measure(stack, candidate)
        except NotApplicable as error:
            done.append(StepResult(step=step, setting=candidate, decision=Decision(
                technique=step.kind, setting=step.decision.setting, verdict="not applicable",
                why=str(error), budget_points=budget_points)))
            continue
        baseline = previous if baseline is None else baseline
        evidence = judged(step, baseline, previous, frame, usd_per_hour, runner.concurrency)
        decision = guard(step, evidence, budget_points)
        done.append(StepResult(step=step, decision=decision, setting=candidate, frame=frame,
                             previous=previous))
        stack = candidate if decision.keep else stack
        runner.release([stack])
    if baseline is None:  # nothing to measure on top of it: the baseline alone
        baseline, = runner.measure(stack)
    return Built(baseline=baseline, steps=done, final=stack)


def judged(step: Step, baseline: pd.DataFrame, previous: pd.DataFrame, frame: pd.DataFrame,
           usd_per_hour: float, in_flight: int) -> Evidence:
    """Quality against the baseline, cost and latency against the stack before the step."""
    quality = compare_runs(baseline, frame, cost=None, latency=None).quality
    changes = compare_runs(previous, frame, cost=step.place.cost, latency="latency_s",
                           usd_per_hour=usd_per_hour, in_flight=in_flight)
    return changes.model_copy(update={"quality": quality})


def guard(step: Step, evidence: Evidence, budget_points: float) -> Decision:
    """The step's verdict: `decide` on the whole sample and on each tier; the worst wins (its
    reason names the tier), with the whole evidence kept."""
    if evidence.quality is None:
        raise ConfigError(f"{step.name}: the guardrail needs the quality measured")
    args: dict[str, Any] = {"budget_points": budget_points}
    worst = decide(step.kind, step.decision.setting, evidence, **args)
    for tier, quality in evidence.quality.by_tier.items():
        found = decide(step.kind, step.decision.setting,
                       evidence.model_copy(update={"quality": quality}), **args)
        if SEVERITY[found.verdict] > SEVERITY[worst.verdict]:
            worst = found.model_copy(update={"why": f"{tier} tier: {found.why}"})
    return worst.model_copy(update={"evidence": evidence})


def already_on(step: Step, budget_points: float) -> Decision:
    """A step the baseline server already takes (prefix caching, vLLM's default)."""
    return Decision(technique=step.kind, setting=step.decision.setting, verdict="keep",
                    why=f"already on in the baseline server ({step.place.why}); "
                        f"{step.notebook} measured it: {step.decision.why}",
                    budget_points=budget_points)


def table(built: Built, concurrency: int) -> pd.DataFrame:
    """One row for the baseline and each step: the verdict and why, the figures of the stack
    with the step (llmopt.business.figures; none where it was not measured) and its quality
    against the baseline (points, with the 95% interval, overall and per tier)."""
    rows = [{"step": "baseline", "verdict": "-", **figures(built.baseline, concurrency)}]
    for m in built.steps:
        row = {"step": m.step.name, "verdict": m.decision.verdict}
        if m.frame is not None:
            q = m.decision.evidence.quality
            row |= figures(m.frame, concurrency) | {"quality_points": q.difference_points,
                                                   "quality_interval": q.interval}
            row |= {f"quality_{tier}": f"{t.difference_points:+.1f} {t.interval}"
                    for tier, t in q.by_tier.items()}
        rows.append(row | {"why": m.decision.why})
    return pd.DataFrame(rows).astype({"requests": "Int64", "failed": "Int64"})


def predicted(built: Built) -> pd.DataFrame:
    """Per step, its own notebook's cost change beside the one measured in the stack (each
    against what came before it), the gap and why they differ; then the naive product of the
    notebooks' changes over the kept steps beside the measured change of the whole stack."""
    rows = []
    for m in built.steps:
        own, here = m.step.decision.evidence.cost, m.decision.evidence.cost
        rows.append({"step": m.step.kind, "notebook": m.step.notebook,
                     "notebook_metric": own.metric if own else None,
                     "notebook_pct": own.pct if own else None,
                     "stack_metric": here.metric if here else None,
                     "stack_pct": here.pct if here else None,
                     "gap_points": here.pct - own.pct if here and own else None,
                     "verdict": m.decision.verdict, "why_they_differ": m.step.place.overlap})
    return pd.DataFrame(rows)


def totals(built: Built, concurrency: int) -> pd.DataFrame:
    """The naive product of the kept steps' own notebook changes beside the measured change of
    the whole stack against the baseline: on the API bill ($ per 1M requests; the steps that
    change tokens) and on the server time (GPU-hours per 1M requests; the server options)."""
    first, last = (figures(frame, concurrency) for frame in (built.baseline,
                                                              list(built.stages.values())[-1]))
    rows = []
    for what, cost, column in (("API bill ($ per 1M requests)", "tokens",
                                "usd_per_million_requests"),
                               ("server time (GPU-hours per 1M requests)", "throughput",
                                "gpu_hours_per_million")):
        own = [m.step.predicted_pct for m in built.kept
               if m.step.place.cost == cost and m.step.predicted_pct is not None]
        rows.append({"figure": what, "steps_kept": len(own),
                     "naive_product_pct": naive_product(own),
                     "measured_pct": relative_change(last[column], first[column])})
    frame = pd.DataFrame(rows)
    return frame.assign(gap_points=frame["measured_pct"] - frame["naive_product_pct"])


def naive_product(pcts: list[float]) -> float:
    """The % change that multiplying the changes `pcts` (%) promises: prod(1 + p/100) - 1."""
    product = 1.0
    for pct in pcts:
        product *= 1 + pct / 100
    return 100 * (product - 1)
