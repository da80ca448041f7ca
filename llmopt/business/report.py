"""The pilot's one-page report: one self-contained HTML file, the decision first.

In order: the decision (what to switch on, the monthly saving, the payback, the quality kept,
what was left off and why), the measured steps as a table, the charts as inline SVG (altair
drawn by vl-convert), every assumption with its value and source, and the command that
reproduces each figure.

The same inputs give the same bytes: nothing in the page comes from the clock, the machine or
the environment. Every text is HTML-escaped, absolute file paths are cut to their last part
(an override file's price source names its path) and API-key shapes are masked.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import altair as alt
from pydantic import ConfigDict, Field, field_validator, model_validator

from llmopt.business.inputs import Strict
from llmopt.business.money import BusinessCase
from llmopt.errors import ConfigError
from llmopt.evidence.decision import Decision
from llmopt.redaction import mask_key_shapes

_POSIX_PATH = re.compile(r"(?<![\w:/.~\-])~?/(?:[^\s/'\"<>&;]+/)+([^\s/'\"<>&;]*)")
_WINDOWS_PATH = re.compile(r"\b[A-Za-z]:\\(?:[^\\\s'\"<>&;]+\\)*([^\\\s'\"<>&;]*)")
_UNSAFE_SVG = re.compile(r"<script|<foreignObject|\son\w+\s*=|javascript:", re.IGNORECASE)
Cell = str | int | float | bool | None


class DecisionSummary(Strict):
    """What the report says first."""

    switch_on: list[str]
    """The kept techniques, "technique: setting"."""
    option: str
    """Where the traffic runs after the stack, e.g. "hybrid (today: API)"."""
    monthly_saving_usd: float
    payback_months: float | None = Field(default=None, ge=0)
    """None: never."""
    quality: str
    """The quality kept, e.g. "-0.4 points [-1.3, +0.5] on 400 held-out requests, within the
    budget of 1 point"."""
    one_off_usd: float | None = Field(default=None, ge=0)
    breakeven_requests_per_month: float | None = Field(default=None, ge=0)
    left_off: list[str] = []
    """Techniques not switched on, each with its verdict and why."""

    @classmethod
    def from_case(cls, decisions: Sequence[Decision], case: BusinessCase,
                  quality: str) -> DecisionSummary:
        """The summary of a pilot's decisions (kept ones switched on) and its business case."""
        today = case.today.option
        option = case.after.option + ("" if today == case.after.option else
                                      f" (today: {today})")
        return cls(switch_on=[f"{d.technique}: {d.setting}" for d in decisions if d.keep],
                   left_off=[f"{d.technique}: {d.verdict} ({d.why})" for d in decisions
                             if not d.keep],
                   option=option, monthly_saving_usd=case.monthly_saving_usd,
                   payback_months=case.payback_months, quality=quality,
                   one_off_usd=case.one_off.total_usd,
                   breakeven_requests_per_month=case.breakeven_requests_per_month)


class Assumption(Strict):
    """One input the money rests on: its value and where it came from."""

    name: str
    value: str
    source: str

    @model_validator(mode="before")
    @classmethod
    def _from_tuple(cls, data: Any) -> Any:
        if isinstance(data, list | tuple):
            if len(data) != 3:
                raise ValueError(f"an assumption is (name, value, source), got {data!r}")
            return {"name": data[0], "value": data[1], "source": data[2]}
        return data

    @field_validator("value", mode="before")
    @classmethod
    def _shown(cls, value: Any) -> str:
        return _cell(value)


class Figure(Strict):
    """A chart (an altair chart, or an SVG string) with its title and the command that
    reproduces it."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    title: str
    chart: alt.TopLevelMixin | str
    command: str

    @field_validator("chart")
    @classmethod
    def _drawable(cls, chart: alt.TopLevelMixin | str) -> alt.TopLevelMixin | str:
        if isinstance(chart, str):
            _checked_svg(chart)
        return chart


class Command(Strict):
    """What a command reproduces, and the command."""

    what: str
    command: str


class ReportInputs(Strict):
    """Everything the report shows; ConfigError naming a bad field."""

    title: str = "Business case"
    label: str = ""
    """Shown under the title: say "Demo world (simulated prices)" there."""
    decision: DecisionSummary
    steps: list[dict[str, Cell]] = []
    """The measured steps as records (one dict per row; columns in first-seen order; NaN, as
    a DataFrame's records have it, is shown as missing)."""
    assumptions: list[Assumption] = []
    charts: list[Figure] = []
    commands: list[Command] = []
    """Commands that reproduce the tables (each chart carries its own)."""

    @field_validator("steps", mode="before")
    @classmethod
    def _nan_is_missing(cls, records: Any) -> Any:
        if not isinstance(records, list):
            return records
        return [{k: None if isinstance(v, float) and math.isnan(v) else v
                 for k, v in record.items()} if isinstance(record, Mapping) else record
                for record in records]


def render(inputs: ReportInputs | Mapping[str, Any]) -> str:
    """The report as one HTML document."""
    inputs = ReportInputs.model_validate(inputs)
    body = [f"<h1>{_text(inputs.title)}</h1>"]
    if inputs.label:
        body.append(f'<p class="label">{_text(inputs.label)}</p>')
    body += [_decision(inputs.decision), _steps(inputs.steps), _charts(inputs.charts),
             _assumptions(inputs.assumptions), _commands(inputs)]
    return _PAGE.format(title=_text(inputs.title), style=_STYLE, body="\n".join(body))


def write(inputs: ReportInputs | Mapping[str, Any], path: str | Path) -> Path:
    """Write the report to `path` (its folder is made); returns the path."""
    path = Path(path)
    page = render(inputs)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path


def svg(chart: alt.TopLevelMixin | str) -> str:
    """`chart` as an SVG element (altair drawn by vl-convert; an SVG string checked)."""
    if isinstance(chart, str):
        return _scrub(_checked_svg(chart))
    try:
        import vl_convert
    except ImportError:
        raise ConfigError("drawing charts as SVG needs vl-convert: pip install "
                          "vl-convert-python (or pass each chart as an SVG string)") from None
    version = "_".join(alt.SCHEMA_VERSION.split(".")[:2])
    drawn = vl_convert.vegalite_to_svg(chart.to_json(), vl_version=version)
    return _scrub(_checked_svg(drawn))


def headline(d: DecisionSummary) -> str:
    """The decision in one sentence: what to switch on, where, the monthly saving, the payback
    and the quality kept."""
    saving = d.monthly_saving_usd
    verb = "saves" if saving > 0 else "saves nothing" if saving == 0 else "costs more"
    amount = "" if saving == 0 else f" {_usd(abs(saving))} a month"
    return (f"Switch on {', '.join(d.switch_on) or 'nothing'}. On {d.option} the stack "
            f"{verb}{amount}; payback: {_payback(d)}; quality: {d.quality}.")


def paragraph(d: DecisionSummary) -> str:
    """The decision as one plain-text paragraph: the headline, the one-off cost and break-even
    volume where known, and what was left off."""
    parts = [headline(d)]
    if d.one_off_usd is not None:
        volume = d.breakeven_requests_per_month
        parts.append(f"One-off cost {_usd(d.one_off_usd)}; break-even at "
                     + ("no volume" if volume is None else f"{volume:,.0f} requests a month")
                     + ".")
    if d.left_off:
        parts.append(f"Left off: {'; '.join(d.left_off)}.")
    return _scrub(" ".join(parts))


def to_json(inputs: ReportInputs | Mapping[str, Any]) -> dict[str, Any]:
    """The report's inputs as JSON data, every chart drawn as its SVG string (what the results
    store keeps; `render` and `write` take it back)."""
    inputs = ReportInputs.model_validate(inputs)
    drawn = [f.model_copy(update={"chart": svg(f.chart)}) for f in inputs.charts]
    return inputs.model_copy(update={"charts": drawn}).model_dump(mode="json")


def _payback(d: DecisionSummary) -> str:
    return "never" if d.payback_months is None else f"{d.payback_months:,.1f} months"


def _decision(d: DecisionSummary) -> str:
    saving = d.monthly_saving_usd
    payback = _payback(d)
    switch = ", ".join(d.switch_on) or "nothing"
    rows = [("Switch on", switch), ("Where it runs", d.option),
            ("Monthly saving", _usd(saving)), ("Payback", payback), ("Quality", d.quality)]
    if d.one_off_usd is not None:
        rows.append(("One-off cost", _usd(d.one_off_usd)))
    if d.breakeven_requests_per_month is not None or d.one_off_usd is not None:
        volume = d.breakeven_requests_per_month
        rows.append(("Break-even volume", "never" if volume is None else
                     f"{volume:,.0f} requests a month"))
    parts = ['<section id="decision"><h2>Decision</h2>',
             f'<p class="headline">{_text(headline(d))}</p>', _table(["", ""], rows, header=False)]
    if d.left_off:
        parts.append("<h3>Left off</h3><ul>" + "".join(f"<li>{_text(x)}</li>"
                                                        for x in d.left_off) + "</ul>")
    return "\n".join(parts) + "</section>"


def _steps(records: list[dict[str, Cell]]) -> str:
    if not records:
        return '<section id="steps"><h2>Measured steps</h2><p>No steps measured.</p></section>'
    columns = list(dict.fromkeys(key for record in records for key in record))
    rows = [[record.get(column) for column in columns] for record in records]
    return f'<section id="steps"><h2>Measured steps</h2>{_table(columns, rows)}</section>'


def _charts(figures: list[Figure]) -> str:
    parts = ['<section id="charts"><h2>Charts</h2>']
    for figure in figures:
        parts.append(f"<figure>{svg(figure.chart)}<figcaption>{_text(figure.title)}. "
                     f"Reproduce: <code>{_text(figure.command)}</code></figcaption></figure>")
    return "\n".join(parts) + "</section>"


def _assumptions(assumptions: list[Assumption]) -> str:
    rows = [(a.name, a.value, a.source) for a in assumptions]
    return ('<section id="assumptions"><h2>Assumptions</h2>'
            f'{_table(["assumption", "value", "source"], rows)}</section>')


def _commands(inputs: ReportInputs) -> str:
    items = [(c.what, c.command) for c in inputs.commands]
    items += [(f"chart: {f.title}", f.command) for f in inputs.charts]
    lines = "".join(f"<li>{_text(what)}: <code>{_text(command)}</code></li>"
                    for what, command in items)
    return f'<section id="reproduce"><h2>Reproduce</h2><ul>{lines}</ul></section>'


def _table(columns: Sequence[str], rows: Sequence[Sequence[Any]], header: bool = True) -> str:
    head = ("<thead><tr>" + "".join(f"<th>{_text(c)}</th>" for c in columns)
            + "</tr></thead>") if header else ""
    body = "".join("<tr>" + "".join(f"<td>{_text(_cell(v))}</td>" for v in row) + "</tr>"
                   for row in rows)
    return f"<table>{head}<tbody>{body}</tbody></table>"


def _cell(value: Any) -> str:
    """A table cell: numbers rounded for reading, missing values as a dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        size = abs(value)
        return f"{value:,.0f}" if size >= 1000 else f"{value:,.2f}" if size >= 1 else \
            f"{value:.3g}"
    return str(value)


def _usd(value: float) -> str:
    return f"{'-' if value < 0 else ''}${abs(value):,.0f}"


def _scrub(text: str) -> str:
    """`text` with absolute paths cut to their last part and API-key shapes masked."""
    text = _POSIX_PATH.sub(lambda m: m.group(1) or "(path)", text)
    text = _WINDOWS_PATH.sub(lambda m: m.group(1) or "(path)", text)
    return mask_key_shapes(text)


def _text(value: Any) -> str:
    return html.escape(_scrub(str(value)))


def _checked_svg(text: str) -> str:
    stripped = re.sub(r"^\s*(<\?xml[^>]*\?>\s*)?", "", text)
    if not stripped.startswith("<svg"):
        raise ConfigError(f"a chart string must be an SVG element (<svg ...>), got "
                          f"{text[:40]!r}")
    if found := _UNSAFE_SVG.search(stripped):
        raise ConfigError(f"an SVG chart may not hold scripts or event handlers: found "
                          f"{found.group(0).strip()!r}")
    return stripped


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{style}</style>
</head>
<body>
{body}
</body>
</html>
"""

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; color: #222; line-height: 1.4; }
.label { color: #666; margin-top: -0.5rem; }
.headline { font-size: 1.15rem; background: #f3f7fb; padding: 0.8rem; border-radius: 4px; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: left;
         vertical-align: top; }
th { background: #fafafa; }
figure { margin: 1rem 0; }
figcaption { color: #555; font-size: 0.85rem; }
code { background: #f5f5f5; padding: 0 0.2rem; }
"""
