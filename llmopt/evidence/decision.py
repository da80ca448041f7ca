"""The decision that closes every technique notebook: keep, drop or inconclusive.

A candidate setting is compared with its baseline on the same requests (`Evidence`): quality as
a paired difference with its 95% interval (`PairedQuality`), cost and latency as `Change`s
(exact for a token bill, an interval for anything timed). With a quality budget of B points:

- **keep**: the quality interval lies above -B and cost or latency gets better beyond its own
  noise;
- **drop**: the quality interval lies wholly below -B, or nothing gets better (then the quality
  question needs no answer), or the server shows the option did nothing (the effect check), or
  it cannot be used (e.g. not servable);
- **inconclusive**: a gain whose quality the sample cannot settle (the interval straddles -B:
  the number of requests that would settle it at the observed discordance comes with it), or
  quality not measured, an option that could not run here, figures that disagree;
- **not applicable**: the technique does not apply to this profile (e.g. a quantized server on
  a profile that only attaches to running servers): nothing measured, nothing to decide.

One `Decision` carries its evidence into the results store (`save_decisions`), where later
notebooks and the business case read it back (`load_decisions`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict

from llmopt.errors import ConfigError
from llmopt.evidence.change import Change
from llmopt.evidence.quality import PairedQuality
from llmopt.evidence.sample_size import requests_needed
from llmopt.results import Stamped, load, save

Verdict = Literal["keep", "drop", "inconclusive", "not applicable"]
EffectVerdict = Literal["effective", "no effect", "harmful", "not measurable here"]
EFFECT_VERDICTS: tuple[EffectVerdict, ...] = ("effective", "no effect", "harmful",
                                              "not measurable here")

COLUMNS = ["technique", "setting", "requests", "delta_quality_points", "quality_interval",
           "delta_cost_pct", "cost_interval", "delta_latency_pct", "latency_interval", "effect",
           "verdict", "why"]

_CONFIG = ConfigDict(extra="forbid", frozen=True, ser_json_inf_nan="constants")


class Effect(BaseModel):
    """What a serving option promised, what the server showed, and the effect check's verdict
    (llmopt.serve.effect makes these)."""

    model_config = _CONFIG

    option: str
    promised: str
    measured: str
    verdict: EffectVerdict
    why: str

    def row(self) -> dict[str, str]:
        return self.model_dump()


class Evidence(BaseModel):
    """What was measured of a candidate against its baseline; None where not measured."""

    model_config = _CONFIG

    quality: PairedQuality | None = None
    cost: Change | None = None
    latency: Change | None = None
    conflict: str | None = None
    """Figures of the same requests that contradict each other (a measurement bug)."""


class Decision(BaseModel):
    """One row of a decision table, with the evidence behind it."""

    model_config = _CONFIG

    technique: str
    setting: str
    verdict: Verdict
    why: str
    budget_points: float
    evidence: Evidence = Evidence()
    effect: Effect | None = None
    requests_to_settle: int | None = None
    """For an inconclusive quality interval: paired requests that would settle it (80% power)
    if the observed discordance and difference hold."""

    @property
    def keep(self) -> bool:
        return self.verdict == "keep"

    def row(self) -> dict[str, Any]:
        """The decision as a flat table row (COLUMNS)."""
        q, c, t = self.evidence.quality, self.evidence.cost, self.evidence.latency
        return {"technique": self.technique, "setting": self.setting,
                "requests": q.n if q else None,
                "delta_quality_points": q.difference_points if q else None,
                "quality_interval": q.interval if q else None,
                "delta_cost_pct": c.pct if c else None,
                "cost_interval": c.interval if c else None,
                "delta_latency_pct": t.pct if t else None,
                "latency_interval": t.interval if t else None,
                "effect": self.effect.verdict if self.effect else None,
                "verdict": self.verdict, "why": self.why}


def decide(technique: str, setting: str, evidence: Evidence, *, budget_points: float,
           effect: Effect | None = None, blocked: str | None = None) -> Decision:
    """The verdict on `evidence` with a quality budget of `budget_points` accuracy points.
    `effect`: the effect check of a serving option (a flag that did nothing is dropped);
    `blocked`: why the setting cannot be used whatever it measured (dropped)."""
    if not budget_points >= 0:
        raise ConfigError(f"the quality budget must be >= 0 points, got {budget_points}")
    verdict, why, to_settle = _verdict(evidence, budget_points, effect, blocked)
    if effect is not None and effect.verdict == "effective" and _harmed(evidence, budget_points):
        effect = effect.model_copy(update={"verdict": "harmful", "why": why})
    return Decision(technique=technique, setting=setting, verdict=verdict, why=why,
                    budget_points=budget_points, evidence=evidence, effect=effect,
                    requests_to_settle=to_settle)


def not_run(technique: str, setting: str, reason: str, budget_points: float,
            effect: Effect | None = None) -> Decision:
    """A setting this machine cannot run: nothing measured, so nothing to keep yet."""
    return Decision(technique=technique, setting=setting, verdict="inconclusive",
                    why=f"not run here: {reason}", budget_points=budget_points, effect=effect)


def not_applicable(technique: str, reason: str, budget_points: float) -> Decision:
    """A technique this profile cannot apply (e.g. it starts no server): saved with why."""
    return Decision(technique=technique, setting="not applicable", verdict="not applicable",
                    why=reason, budget_points=budget_points)


def _verdict(evidence: Evidence, budget: float, effect: Effect | None,
             blocked: str | None) -> tuple[Verdict, str, int | None]:
    if effect is not None and effect.verdict == "not measurable here":
        return "inconclusive", f"not measurable here: {effect.why}", None
    if effect is not None and effect.verdict == "no effect":
        return "drop", f"the server shows it did nothing ({effect.why})", None
    if blocked:
        return "drop", blocked, None
    if evidence.conflict:
        return "inconclusive", f"figures disagree: {evidence.conflict}", None
    q = evidence.quality
    if q is not None and q.high_points < -budget:
        return "drop", f"loses {-q.difference_points:.1f} points {q.interval}, beyond the " \
                       f"budget of {budget:g}", None
    changes = [c for c in (evidence.cost, evidence.latency) if c is not None]
    gains = [c for c in changes if c.direction == "better"]
    if not gains:
        said = "; ".join(c.describe() for c in changes) or "no cost or latency measured"
        return "drop", f"no measurable gain ({said})", None
    if q is None:
        return "inconclusive", "quality not measured: measure it on the same requests", None
    if q.low_points < -budget:
        needed = requests_needed(budget, q.discordant_rate, q.difference_points)
        more = "no sample settles a difference that sits on the budget" if needed is None else \
            f"about {needed:,} paired requests would settle it"
        return "inconclusive", (f"quality {q.difference_points:+.1f} points {q.interval} on "
                                f"{q.n} requests straddles the budget of -{budget:g}: "
                                f"{more}"), needed
    losses = [c.describe() for c in changes if c.direction == "worse"]
    why = f"within the quality budget {q.interval}; " + "; ".join(c.describe() for c in gains)
    return "keep", why + (f"; but {'; '.join(losses)}" if losses else ""), None


def _harmed(evidence: Evidence, budget: float) -> bool:
    """The option worked, but quality fell beyond the budget or it got worse and no better."""
    q = evidence.quality
    if q is not None and q.high_points < -budget:
        return True
    directions = {c.direction for c in (evidence.cost, evidence.latency) if c is not None}
    return "worse" in directions and "better" not in directions


def table(decisions: list[Decision]) -> pd.DataFrame:
    """The decisions as a table (COLUMNS), numbers rounded for reading."""
    frame = pd.DataFrame([d.row() for d in decisions], columns=COLUMNS)
    numbers = ["delta_quality_points", "delta_cost_pct", "delta_latency_pct"]
    frame[numbers] = frame[numbers].astype(float).round(1)
    return frame


def tiers_table(decisions: list[Decision]) -> pd.DataFrame:
    """Quality per tier of every decision that measured it: paired requests, discordant pairs
    each way, the difference and its 95% interval (points)."""
    rows = [{"technique": d.technique, "setting": d.setting, "tier": tier, "requests": q.n,
             "baseline_only_right": q.baseline_only, "candidate_only_right": q.candidate_only,
             "delta_quality_points": round(q.difference_points, 1), "interval": q.interval}
            for d in decisions if d.evidence.quality is not None and d.evidence.quality.n
            for tier, q in {**d.evidence.quality.by_tier, "all": d.evidence.quality}.items()]
    return pd.DataFrame(rows)


def save_decisions(results_dir: str | Path, name: str, decisions: list[Decision],
                   profile: Stamped | None = None, **extra: Any) -> pd.DataFrame:
    """Save the decisions with their evidence (plus any extra figures) as
    results_dir/name.json, stamped with the `profile` that made them; returns the table."""
    if not all(isinstance(d, Decision) for d in decisions):
        raise ConfigError("save_decisions takes Decision objects (llmopt.evidence.decide)")
    frame = table(decisions)
    save(results_dir, name, {"decisions": [d.model_dump(mode="json") for d in decisions],
                             "table": frame.to_dict(orient="records"), **extra}, profile)
    return frame


def load_decisions(results_dir: str | Path, name: str,
                   profile: Stamped | None = None) -> list[Decision]:
    """The decisions a notebook saved, with their evidence; with `profile`, only if that
    profile made them (llmopt.results.load)."""
    return [Decision.model_validate(d) for d in load(results_dir, name, profile)
            .get("decisions", [])]
