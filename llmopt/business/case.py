"""From the measured stack to the money and the report: the money model's inputs (the
profile's traffic, GPU and API price, the baseline and the final stack as measured), the option
the stack is switched on for, and the report's inputs, decision first.

Today's traffic goes to the API (notebook 01 priced the target model there); the stack is
switched on where it costs least after it: the API, self-hosted GPUs, or both (the router's
cheap tier self-hosted, its strong tier on the API).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from llmopt.business.figures import figures, measured
from llmopt.business.guardrail import Built
from llmopt.business.inputs import ApiPrices, Fleet, MoneyInputs, OneOff, Traffic
from llmopt.business.money import (
    OPTIONS,
    BusinessCase,
    Option,
    assumptions,
    business_case,
    monthly_cost,
    steps,
)
from llmopt.business.report import Assumption, Command, DecisionSummary, Figure, ReportInputs
from llmopt.evidence import PairedQuality
from llmopt.pricing.selfhost import DAYS_PER_MONTH
from llmopt.profile import Profile
from llmopt.report.business import tornado, waterfall

TODAY: Option = "API"


def money_inputs(profile: Profile, built: Built, concurrency: int,
                 saved: dict[str, dict[str, Any] | None]) -> MoneyInputs:
    """The baseline and the final stack as measured, at the profile's volume, GPU and API
    price, with the one-off costs of what was kept (`one_off`)."""
    stages = list(built.stages.values())
    return MoneyInputs(
        traffic=Traffic(requests_per_month=profile.requests_per_day * DAYS_PER_MONTH),
        api=ApiPrices.of(profile.target_model), before=measured(stages[0], concurrency),
        after=measured(stages[-1], concurrency), fleet=Fleet(gpu=profile.gpu),
        one_off=one_off(profile, built, saved))


def one_off(profile: Profile, built: Built, saved: dict[str, dict[str, Any] | None]) -> OneOff:
    """Engineering: the profile's setup_cost_usd (as days at the default day rate) where it
    gives one, else OneOff's default; labelling: notebook 08's calibration requests where the
    router is kept; training: notebook 11's smallest training estimate where a distilled model
    is kept. Every other field keeps its stated default."""
    fields: dict[str, Any] = {}
    if profile.setup_cost_usd > 0:
        fields["engineering_days"] = profile.setup_cost_usd / OneOff().day_rate_usd
    kinds = {m.step.kind: m.step for m in built.kept}
    if "router" in kinds:
        fields["labelled_examples"] = len(kinds["router"].router["calibration_ids"])
    if "distilled model" in kinds and saved.get("11_distillation_and_pruning"):
        costs = saved["11_distillation_and_pruning"].get("training_one_off", [])
        fields["training_gpu_hours"] = min((c["gpu_hours"] for c in costs), default=0.0)
    return OneOff(**fields)


def chosen(inputs: MoneyInputs) -> BusinessCase:
    """The case for the option that costs least after the stack, against today's API bill."""
    option = min(OPTIONS, key=lambda o: monthly_cost(inputs, o, "after").total_usd)
    return business_case(inputs, option, today=TODAY)


def waterfall_frame(inputs: MoneyInputs, option: Option, built: Built,
                    concurrency: int) -> pd.DataFrame:
    """`option`'s $ per 1M requests after each kept stage (llmopt.business.steps), with each
    stage's accuracy: the waterfall's frame."""
    stages = built.stages
    frame = steps(inputs, option, {name: measured(f, concurrency) for name, f in stages.items()})
    return frame.assign(accuracy=[figures(f, concurrency)["accuracy"] for f in stages.values()])


def quality(built: Built, budget_points: float) -> str:
    """The quality the final stack keeps against the baseline, overall and per tier."""
    kept = built.kept
    if not kept:
        return "unchanged: nothing switched on"
    q = kept[-1].decision.evidence.quality
    tiers = ", ".join(f"{tier} {_points(t)}" for tier, t in q.by_tier.items())
    return (f"{_points(q)} on {q.n} held-out requests ({tiers}), against the baseline; the "
            f"budget is {budget_points:g} points on every tier")


def report(profile: Profile, built: Built, case: BusinessCase, *, inputs: MoneyInputs,
           table: pd.DataFrame, charts: dict[str, Any], extra: list[tuple[str, str, str]],
           budget_points: float) -> ReportInputs:
    """The report's inputs: the decision, the measured steps, the charts (name -> chart), every
    assumption (the money's and `extra`) and the commands that reproduce them."""
    rerun = f"llmopt pilot --profile cookbook/profiles/{profile.profile}.yaml --only " \
            "12_business_case"
    label = "Demo world: simulated prices, CPU throughput priced as a GPU" \
        if profile.profile == "demo" else f"{profile.profile} profile"
    return ReportInputs(
        title=f"Business case ({profile.profile} profile)", label=label,
        decision=DecisionSummary.from_case(built.decisions, case,
                                           quality(built, budget_points)),
        steps=table.to_dict("records"),
        assumptions=[Assumption.model_validate(a) for a in [*assumptions(inputs), *extra]],
        charts=[Figure(title=title, chart=chart, command=rerun) for title, chart in charts.items()],
        commands=[Command(what="the measured steps, the money and this report", command=rerun)])


def charts(frame: pd.DataFrame, sensitivity: pd.DataFrame, case: BusinessCase,
           label: str = "") -> dict[str, Any]:
    """The waterfall of the kept steps and the tornado of the assumptions."""
    return {"What each kept step does to $ per 1M requests": waterfall(frame, label),
            "How the monthly saving moves with each assumption":
                tornado(sensitivity, case.monthly_saving_usd, label)}


def _points(q: PairedQuality) -> str:
    return f"{q.difference_points:+.1f} points {q.interval}"
