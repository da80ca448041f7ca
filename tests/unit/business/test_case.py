"""From the built stack to the money and the report: the inputs the profile and the
measurements give, the option chosen, the one-off costs of what was kept, the report."""

from __future__ import annotations

import pytest

from llmopt.business import Traffic, case, render, sensitivity, to_json
from llmopt.business.guardrail import build
from llmopt.business.stack import Step
from llmopt.profile import Profile
from llmopt.settings import REPO_ROOT
from tests.unit.business.test_guardrail import CACHE, CAP, COMPRESSION, PREFIX, Sent, kept_row

DEMO = REPO_ROOT / "cookbook" / "profiles" / "demo.yaml"
ROUTER = Step(kind="router", notebook="08_router_fallback",
              decision=kept_row("router", "threshold 0.5", -40),
              router={"threshold": 0.5, "calibration_ids": ["a", "b", "c"]})


@pytest.fixture
def demo() -> Profile:
    return Profile.load(DEMO)


@pytest.fixture
def built():
    return build([CAP, COMPRESSION, PREFIX, CACHE], Sent(), budget_points=2.0, usd_per_hour=1.0)


def test_the_money_starts_from_the_measured_baseline_and_final_stack(demo, built):
    inputs = case.money_inputs(demo, built, concurrency=1, saved={})
    assert inputs.traffic.requests_per_month == pytest.approx(20_000 * 365 / 12)
    assert inputs.api.model == "demo:large" and inputs.api.source.startswith("simulation")
    assert inputs.fleet.gpu == demo.gpu
    assert (inputs.before.tokens.output, inputs.after.tokens.output) == (100, 50)
    assert (inputs.before.response_cache_hit_rate, inputs.after.response_cache_hit_rate) == \
        (0.0, 0.25)
    assert inputs.one_off.engineering_days == pytest.approx(5000 / 800)  # setup_cost_usd
    assert "engineering_days" in inputs.one_off.model_fields_set


def test_one_off_costs_count_what_was_kept(demo, built):
    routed = built.model_copy(update={"steps": [*built.steps, built.steps[0].model_copy(
        update={"step": ROUTER})]})
    saved = {"11_distillation_and_pruning": {"training_one_off": [{"gpu_hours": 9.0},
                                                                  {"gpu_hours": 4.0}]}}
    assert case.one_off(demo, routed, saved).labelled_examples == 3
    assert case.one_off(demo, built, saved).labelled_examples == 0  # no router kept
    free = demo.model_copy(update={"setup_cost_usd": 0.0})
    assert "engineering_days" not in case.one_off(free, built, {}).model_fields_set


def test_the_chosen_option_costs_least_after_the_stack(demo, built):
    inputs = case.money_inputs(demo, built, concurrency=1, saved={})
    chosen = case.chosen(inputs)
    costs = {o: case.monthly_cost(inputs, o, "after").total_usd for o in case.OPTIONS}
    assert chosen.after.total_usd == min(costs.values()) and chosen.today.option == "API"
    idle = inputs.model_copy(update={"traffic": Traffic(requests_per_month=0)})
    assert case.chosen(idle).after.option == "API"  # no traffic: a fleet costs its minimum


def test_the_quality_kept_names_every_tier_and_the_budget(built):
    text = case.quality(built, 2.0)
    assert text.startswith("+0.0 points [+0.0, +0.0] on 40 held-out requests (easy +0.0")
    assert "hard +0.0" in text and text.endswith("the budget is 2 points on every tier")
    nothing = built.model_copy(update={"steps": built.steps[1:2]})  # only the dropped one
    assert case.quality(nothing, 2.0) == "unchanged: nothing switched on"


def test_the_report_says_the_decision_first_with_every_step_and_both_charts(demo, built):
    inputs = case.money_inputs(demo, built, concurrency=1, saved={})
    chosen = case.chosen(inputs)
    frame = case.waterfall_frame(inputs, chosen.after.option, built, concurrency=1)
    assert list(frame["step"]) == list(built.stages) and frame["accuracy"].notna().all()
    charts = case.charts(frame, sensitivity(inputs, chosen.after.option, today="API"), chosen)
    report = case.report(demo, built, chosen, inputs=inputs, table=frame, charts=charts,
                         extra=[("held-out requests", "40", "test")], budget_points=2.0)
    assert report.decision.switch_on == [f"{m.step.kind}: {m.step.decision.setting}"
                                         for m in built.steps if m.decision.keep]
    assert any(d.startswith("prompt compression: drop") for d in report.decision.left_off)
    page = render(to_json(report))
    assert page.count("<svg") == 2 and "held-out requests" in page
    assert "llmopt pilot --profile cookbook/profiles/demo.yaml --only 12_business_case" in page
