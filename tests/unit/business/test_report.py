"""The HTML report: decision first, byte-identical renders, escaped text, no machine paths,
no secrets, every chart inline as SVG."""

from __future__ import annotations

import json
from pathlib import Path

import altair as alt
import pandas as pd
import pytest
import vl_convert

from llmopt.business import (
    Assumption,
    DecisionSummary,
    Figure,
    ReportInputs,
    assumptions,
    business_case,
    headline,
    paragraph,
    render,
    sensitivity,
    steps,
    svg,
    to_json,
    write,
)
from llmopt.errors import ConfigError
from llmopt.evidence import Decision
from llmopt.report.business import tornado, waterfall

REPO = str(Path(__file__).resolve().parents[3])
SMALL_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect/></svg>'


@pytest.fixture
def report(inputs, catalog, before, after) -> ReportInputs:
    prices = inputs.api.model_copy(update={"source": "override: /home/me/llm/prices.yaml"})
    inputs = inputs.model_copy(update={"api": prices})
    case = business_case(inputs, "self-host", today="API", catalog=catalog)
    frame = steps(inputs, "self-host", {"baseline": before, "<b>AWQ</b> & cap": after}, catalog)
    frame["accuracy"] = [0.9, 0.88]
    table = sensitivity(inputs, "self-host", today="API", catalog=catalog)
    decisions = [
        Decision(technique="quantization", setting="AWQ int4", verdict="keep", why="ok",
                 budget_points=1.0),
        Decision(technique="speculation", setting="ngram", verdict="drop",
                 why="no gain at c=16", budget_points=1.0)]
    return ReportInputs(
        label="Demo world (simulated prices)",
        decision=DecisionSummary.from_case(decisions, case, quality="-0.4 points [-1.3, +0.5]"),
        steps=frame.to_dict(orient="records"),
        assumptions=[*assumptions(inputs, catalog),
                     ("results folder", f"{REPO}/results/pilot", "the pilot"),
                     ("scratch", "/tmp/pilot-123/workload.jsonl", "the pilot")],
        charts=[Figure(title="Waterfall", chart=waterfall(frame), command="llmopt report a"),
                Figure(title="Tornado", chart=tornado(table, case.monthly_saving_usd),
                       command="llmopt report b"),
                Figure(title="Drawn elsewhere", chart=SMALL_SVG, command="make chart")],
        commands=[{"what": "steps table", "command": "llmopt pilot --profile demo"}])


def test_two_renders_are_byte_identical(report):
    assert render(report).encode() == render(report).encode()


def test_the_environment_does_not_change_the_report(report, monkeypatch):
    first = render(report)
    monkeypatch.setenv("OPENAI_API_KEY", "Demo")
    monkeypatch.setenv("HOME", "/home/someone-else")
    assert render(report) == first


def test_decision_comes_first(report):
    page = render(report)
    order = [page.index(f'<section id="{s}">') for s in
             ("decision", "steps", "charts", "assumptions", "reproduce")]
    assert order == sorted(order)
    headline = page[page.index('<p class="headline">'):page.index("</p>", page.index(
        '<p class="headline">'))]
    assert headline.endswith("Switch on quantization: AWQ int4. On self-host (today: API) the "
                             "stack saves $4,322 a month; payback: 1.9 months; quality: -0.4 "
                             "points [-1.3, +0.5].")
    assert "speculation: drop (no gain at c=16)" in page


def test_every_chart_is_inline_svg(report):
    page = render(report)
    assert page.count("<svg") == len(report.charts) == 3
    assert page.count("<figure>") == 3
    assert "<script" not in page and "<img" not in page and "http://" not in page.replace(
        "http://www.w3.org/", "")


def test_text_is_escaped(report):
    page = render(report)
    assert "&lt;b&gt;AWQ&lt;/b&gt; &amp; cap" in page
    assert "<b>AWQ</b>" not in page


def test_no_machine_paths(report):
    page = render(report)
    for path in ("/tmp/", "/home/", "/root/", REPO):
        assert path not in page
    assert "override: prices.yaml" in page
    assert "workload.jsonl" in page


def test_keys_are_masked(report):
    fake = "sk-" + "abcdefghijklmnopqrstuvwxyz"  # built here: no key-shaped literal in the repo
    leaky = report.model_copy(update={"label": f"key {fake} used"})
    page = render(leaky)
    assert "sk-abcdefghijklmnop" not in page and "key *** used" in page


def test_a_stack_that_costs_more_says_so(report):
    decision = report.decision.model_copy(update={"monthly_saving_usd": -1234.0,
                                                  "payback_months": None})
    page = render(report.model_copy(update={"decision": decision}))
    assert "costs more $1,234 a month" in page
    assert "-$1,234" in page and "payback: never" in page


def test_write_puts_the_same_bytes_in_a_file(report, tmp_path):
    path = write(report, tmp_path / "out" / "business_case.html")
    assert path.read_text(encoding="utf-8") == render(report)


def test_inputs_as_a_mapping(report):
    data = {"decision": report.decision.model_dump(), "steps": [{"step": "a", "usd": 1.5}],
            "assumptions": [["peak", 2.0, "default"]]}
    page = render(data)
    assert "<td>peak</td><td>2.00</td><td>default</td>" in page
    with pytest.raises(ConfigError, match="ReportInputs: decision: required"):
        render({"steps": []})


def test_svg_strings_are_checked():
    assert svg(SMALL_SVG) == SMALL_SVG
    assert svg('<?xml version="1.0"?>\n' + SMALL_SVG) == SMALL_SVG
    with pytest.raises(ConfigError, match="must be an SVG element"):
        Figure(title="x", chart="<div>no</div>", command="c")
    with pytest.raises(ConfigError, match="scripts or event handlers"):
        svg('<svg><script>alert(1)</script></svg>')
    with pytest.raises(ConfigError, match="scripts or event handlers"):
        svg('<svg onload="alert(1)"></svg>')


def test_altair_charts_become_svg():
    chart = alt.Chart(pd.DataFrame({"x": [1, 2], "y": [3, 4]})).mark_line().encode(x="x", y="y")
    drawn = svg(chart)
    assert drawn.startswith("<svg") and drawn.rstrip().endswith("</svg>")
    assert svg(chart) == drawn
    version = "_".join(alt.SCHEMA_VERSION.split(".")[:2])
    assert drawn == vl_convert.vegalite_to_svg(chart.to_json(), vl_version=version)


def test_assumption_from_a_tuple():
    assert Assumption.model_validate(("gpu", 0.71, "catalog")).value == "0.71"
    with pytest.raises(ValueError, match=r"\(name, value, source\)"):
        Assumption.model_validate(("gpu", 0.71))


def test_table_cells():
    page = render({"decision": {"switch_on": [], "option": "API", "monthly_saving_usd": 0,
                                "quality": "unchanged"},
                   "steps": [{"n": 12345, "ok": True, "cost": 0.000123, "big": 12345.6,
                              "missing": None}]})
    assert "<td>12,345</td><td>yes</td><td>0.000123</td><td>12,346</td><td>-</td>" in page
    assert "Switch on nothing. On API the stack saves nothing;" in page


def test_the_paragraph_is_the_headline_in_plain_text_with_what_was_left_off(report):
    text = paragraph(report.decision)
    assert text.startswith(headline(report.decision))
    assert "Switch on quantization: AWQ int4. On self-host (today: API)" in text
    assert "One-off cost $8,000; break-even at " in text
    assert text.endswith("Left off: speculation: drop (no gain at c=16).")
    assert "<" not in text and "&amp;" not in text


def test_the_json_form_holds_every_chart_as_svg_and_renders_the_same_page(report):
    data = to_json(report)
    assert [c["chart"][:4] for c in data["charts"]] == ["<svg"] * 3
    assert json.loads(json.dumps(data)) == data  # plain JSON data
    assert render(data) == render(report)
