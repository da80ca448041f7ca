"""The business case's one-page report in a real browser: charts drawn by the business-case
chart builders, saved as notebook 12 saves them, written by the code `llmopt report` runs, and
opened in headless Chromium. Every chart must render with its marks, and the decision must come
first. A screenshot of the whole page goes to the test's temporary folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from llmopt import pilot
from llmopt.business import Assumption, DecisionSummary, Figure, ReportInputs, svg
from llmopt.evidence import Decision, save_decisions
from llmopt.profile import Profile
from llmopt.report.business import tornado, waterfall
from llmopt.settings import REPO_ROOT

from .conftest import PageErrors

pytestmark = [pytest.mark.browser, pytest.mark.slow]

STEPS = pd.DataFrame({"step": ["baseline", "prompt compression", "AWQ int4", "prefix cache"],
                      "usd_per_million_requests": [900.0, 640.0, 420.0, 380.0],
                      "accuracy": [0.90, 0.89, 0.88, 0.88]})
SENSITIVITY = pd.DataFrame({
    "factor": ["utilisation", "utilisation", "GPU price", "GPU price", "traffic", "traffic"],
    "level": ["30%", "70%", "-20%", "+20%", "half", "double"],
    "monthly_saving_usd": [200.0, 900.0, 700.0, 500.0, 150.0, 1400.0]})
MARKS = """svg => {
    const drawn = {};
    for (const group of svg.querySelectorAll('.role-mark')) {
        const kind = [...group.classList].find(c => c.startsWith('mark-')).slice(5);
        const shown = [...group.children].filter(m => {
            const box = m.getBBox();
            return box.width > 0 || box.height > 0;
        });
        drawn[kind] = (drawn[kind] || 0) + shown.length;
    }
    const box = svg.getBoundingClientRect();
    return {width: box.width, height: box.height, drawn};
}"""
"""Per chart: its box in the page and how many marks of each kind (rect, symbol, text, rule)
have a non-empty box of their own."""


def report_inputs() -> ReportInputs:
    decisions = [Decision(technique=t, setting=s, verdict="keep", why="within budget",
                          budget_points=2.0)
                 for t, s in [("prompt compression", "0.6"), ("quantization", "AWQ int4"),
                              ("prefix cache", "on")]]
    return ReportInputs(
        label="Demo world (simulated prices)",
        decision=DecisionSummary(
            switch_on=[f"{d.technique}: {d.setting}" for d in decisions], option="self-host "
            "(today: API)", monthly_saving_usd=1040.0, payback_months=4.8,
            quality="-0.9 points [-1.8, +0.1] on 120 requests, within the budget of 2 points",
            one_off_usd=5000.0, left_off=["speculation: drop (no gain at c=16)"]),
        steps=STEPS.to_dict(orient="records"),
        assumptions=[Assumption(name="requests per day", value=20000, source="profile")],
        charts=[Figure(title="Waterfall", chart=svg(waterfall(STEPS, label="Demo world")),
                       command="llmopt pilot --only 12_business_case"),
                Figure(title="Tornado", chart=svg(tornado(SENSITIVITY, 1040.0)),
                       command="llmopt pilot --only 12_business_case")])


@pytest.fixture
def report(tmp_path: Path) -> Path:
    """The report as `llmopt report` writes it, from a business case saved as notebook 12
    saves it (decisions, the report's inputs as JSON, the paragraph)."""
    profile, out = Profile.load(REPO_ROOT / "cookbook/profiles/demo.yaml"), tmp_path / "demo"
    save_decisions(out, pilot.BUSINESS_CASE, [], profile=profile,
                   report=report_inputs().model_dump(mode="json"),
                   paragraph="Switch on the stack: it saves $1,040 a month.")
    return pilot.write_report(out, profile)


def test_the_report_renders_every_chart_and_says_the_decision_first(
        report: Path, chromium: Any, tmp_path: Path) -> None:
    page = chromium.new_page()
    errors = PageErrors()
    page.on("console", lambda m: m.type == "error" and errors.console.append(m.text))
    page.on("pageerror", lambda e: errors.uncaught.append(e.stack or str(e)))
    try:
        page.goto(report.as_uri())
        charts = page.locator("figure > svg")
        assert charts.count() == 2
        drawn = [chart.evaluate(MARKS) for chart in charts.all()]
        for chart in drawn:
            assert chart["width"] > 0 and chart["height"] > 0, chart
        bars = len(STEPS) + 1  # each step, then the cost after the stack
        assert drawn[0]["drawn"]["rect"] == bars and drawn[0]["drawn"]["text"] >= 2 * bars
        factors = SENSITIVITY["factor"].nunique()
        assert drawn[1]["drawn"]["rect"] == factors
        assert drawn[1]["drawn"]["symbol"] == len(SENSITIVITY) and drawn[1]["drawn"]["rule"] == 1

        tops = page.eval_on_selector_all(
            "section", "all => all.map(s => [s.id, s.getBoundingClientRect().top])")
        assert tops[0][0] == "decision" and tops[0][1] < min(top for _, top in tops[1:])
        assert tops[0][1] < page.viewport_size["height"]
        headline = page.inner_text("#decision .headline")
        assert headline.startswith("Switch on prompt compression: 0.6, quantization: AWQ int4")
        shot = page.screenshot(path=tmp_path / "report.png", full_page=True)
        assert len(shot) > 10_000
        assert not errors.uncaught and not errors.console, errors.text()
    finally:
        page.close()
