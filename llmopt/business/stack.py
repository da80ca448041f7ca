"""The stack: what the earlier notebooks kept, read from their saved decisions, one setting per
technique (its best kept row), in the order the business case builds it up.

The order, and why (`ORDER`): what shapes the request comes first (the output cap and the stop
sequence, then prompt compression); then what the server does with it (prefix caching, vLLM's
default, is already in the baseline server; speculative decoding; the KV-cache dtype; a
quantized or distilled model in place of the target); then where the request goes (the
router's cheap tier); the response cache last, in front of everything: a hit skips every layer
behind it.

Every earlier notebook's decisions are read with the profile that runs this one
(`llmopt.results.load`): a missing one names the notebook to run, a stale one from another
profile is refused. `REQUIRED` notebooks decide techniques the stack builds; `OPTIONAL` ones
(heavy, and often nothing kept on the demo profile) are read where they ran.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, NamedTuple

import pandas as pd
from pydantic import BaseModel, ConfigDict

from llmopt import results
from llmopt.distill.build import ASSETS
from llmopt.errors import ConfigError
from llmopt.evidence import Decision
from llmopt.output.settings import JSON_END
from llmopt.profile import Profile

Kind = Literal["output cap", "stop sequence", "prompt compression", "prefix caching",
               "speculative decoding", "KV cache dtype", "quantized model", "distilled model",
               "router", "response cache"]
Cost = Literal["tokens", "throughput"]
REQUIRED = ("02_prompt_compression", "05_kv_and_prefix_cache", "06_speculative_decoding",
            "07_response_cache", "08_router_fallback", "09_output_side")
OPTIONAL = ("03_quantization", "04_serving_capacity", "10_kv_cache_bits",
            "11_distillation_and_pruning")


class Place(NamedTuple):
    """Where a technique sits in the stack and how a step of it is judged."""

    why: str
    """Why it sits here."""
    cost: Cost
    """What it saves: the API bill (tokens) or the GPU's time (throughput)."""
    overlap: str
    """Why its saving in the stack can differ from its own notebook's."""


ORDER: dict[Kind, Place] = {
    "output cap": Place(
        "shapes the request: how much may come back", "tokens",
        "its notebook compared against no cap on its own requests; a cap saves only where an "
        "answer ran past it, and a held-out sample may hold no such answer"),
    "stop sequence": Place(
        "shapes the request: the answer ends at its JSON object's closing brace", "tokens",
        "its notebook compared against no cap; what it trims (anything written after the "
        "object) does not depend on the other steps, so its small saving should carry over"),
    "prompt compression": Place(
        "shapes the request: fewer input tokens, before any server sees them", "tokens",
        "its notebook measured with prefix caching off; with it on (the baseline here) the "
        "manual's tokens were already billed at the cached price, so cutting them saves less"),
    "prefix caching": Place(
        "a server option; vLLM's default, so it is already in the baseline server", "tokens",
        "already in the baseline: nothing left to add"),
    "speculative decoding": Place(
        "a server option: the same answers in fewer target steps", "throughput",
        "its notebook kept it at the load it measured; here it runs at this notebook's "
        "concurrency on requests the earlier steps made shorter"),
    "KV cache dtype": Place(
        "a server option: more sequences in the same KV memory", "throughput",
        "more KV capacity pays only once the traffic fills the cache"),
    "quantized model": Place(
        "the model itself: smaller weights in place of the target's", "throughput",
        "its notebook served it alone; here it serves the shaped requests"),
    "distilled model": Place(
        "the model itself: a student in place of the target", "throughput",
        "its notebook compared it with the teacher on its own requests"),
    "router": Place(
        "where a request goes: the cheap tier for what it gets right", "tokens",
        "its notebook routed plain requests; here both tiers get the shaped ones, and "
        "the strong tier's requests were already made cheaper"),
    "response cache": Place(
        "last, in front of everything: a hit skips every layer behind it", "tokens",
        "a hit saves a request the earlier steps already made cheaper, and the hit rate "
        "is the held-out traffic's repeats, not its notebook's sample"),
}

OUTSIDE = {
    "Prompt layout": "the workload already puts the shared manual first",
    "GPU": "a GPU chosen on paper: the money below prices the profile's gpu",
    "Weights + KV": "planned on paper for the gpu profile's target",
    "structured outputs": "a grammar prevents malformed answers; it saves no tokens or time",
    "cascade early stop": "an option of the cascade, which the stack does not build",
    "cascade (schema + logprob check)": "the stack builds the router (a scorer decides "
                                        "before the call); a cascade pays every cheap answer",
    "offline batch (self-hosted)": "an offline job: its answers arrive when the job ends",
    "API batch": "an offline job: its answers arrive when the job ends",
}


class Step(BaseModel):
    """One kept technique, as the stack applies it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Kind
    notebook: str
    decision: Decision
    """The notebook's kept row this step applies (its best: the largest saving)."""
    request: dict[str, Any] = {}
    """Endpoint options, e.g. {"max_tokens": 57}."""
    compression: dict[str, Any] | None = None
    """{"kind": ..., "rate": ...} for llmopt.compress."""
    server: dict[str, Any] = {}
    """ServeConfig overrides of the target's server (the profile's configuration otherwise)."""
    router: dict[str, Any] | None = None
    """{"threshold": ..., "calibration_ids": [...]}: notebook 08's calibrated router."""
    cache: dict[str, Any] | None = None
    """{"kind": "exact"} or {"kind": "semantic", "threshold": ...}."""

    @property
    def name(self) -> str:
        return f"{self.kind}: {self.decision.setting}"

    @property
    def place(self) -> Place:
        return ORDER[self.kind]

    @property
    def in_baseline(self) -> bool:
        """Nothing to add: the baseline server already does it (prefix caching)."""
        return self.kind == "prefix caching"

    @property
    def predicted_pct(self) -> float | None:
        """The notebook's own cost change, %."""
        cost = self.decision.evidence.cost
        return None if cost is None else cost.pct


def read(results_dir: str | Path, profile: Profile) -> dict[str, dict[str, Any] | None]:
    """Every earlier notebook's saved result made with `profile`, by notebook; an OPTIONAL one
    that did not run here is None. ConfigError naming the notebook to run for a missing
    REQUIRED one, and for a stale one (made with another profile)."""
    found: dict[str, dict[str, Any] | None] = {}
    for name in (*REQUIRED, *OPTIONAL):
        there = (Path(results_dir) / f"{name}.json").is_file()
        if name in REQUIRED and not there:
            raise ConfigError(
                f"the business case needs notebook {name}'s decisions, and {results_dir} has "
                f"none: run notebook {name} into this results folder first (it needs "
                f"{', '.join(REQUIRED)}; it reads {', '.join(OPTIONAL)} where they ran)")
        found[name] = results.load(results_dir, name, profile) if there else None
    return found


def decisions(saved: dict[str, dict[str, Any] | None]) -> dict[str, list[Decision]]:
    """The typed decisions of each notebook that ran."""
    return {name: [Decision.model_validate(d) for d in data.get("decisions", [])]
            for name, data in saved.items() if data is not None}


def table(saved: dict[str, dict[str, Any] | None]) -> pd.DataFrame:
    """Every earlier decision: notebook, technique, setting, verdict, its cost change and what
    the stack does with it (the kind it builds, or why it stays outside)."""
    rows = []
    for name, data in saved.items():
        if data is None:
            rows.append({"notebook": name, "technique": "-", "setting": "-", "verdict": "not run",
                         "cost_pct": None, "in the stack": "not run into this results folder"})
            continue
        for d in decisions({name: data})[name]:
            kind = kind_of(d)
            use = kind if kind else OUTSIDE.get(d.technique, "not a step the stack builds")
            rows.append({"notebook": name, "technique": d.technique, "setting": d.setting,
                         "verdict": d.verdict, "cost_pct": _pct(d), "in the stack": use})
    return pd.DataFrame(rows)


def kept(saved: dict[str, dict[str, Any] | None], profile: Profile) -> list[Step]:
    """The stack's steps: per technique the best kept row (the largest saving), in `ORDER`."""
    best: dict[Kind, tuple[str, Decision]] = {}
    for name, found in decisions(saved).items():
        for d in found:
            kind = kind_of(d)
            if kind and d.keep and (kind not in best or _saves_more(d, best[kind][1])):
                best[kind] = (name, d)
    return [step(kind, *best[kind], saved[best[kind][0]] or {}, profile)
            for kind in ORDER if kind in best]


def kind_of(decision: Decision) -> Kind | None:
    """The stack technique a decision is about, or None where the stack does not build it."""
    technique = decision.technique
    if technique in ("output cap", "stop sequence"):
        return technique
    if technique.startswith("prompt compression"):
        return "prompt compression"
    if technique == "Prefix caching":
        return "prefix caching"
    if technique == "Speculative decoding":
        return "speculative decoding"
    if technique in ("KV cache dtype", "KV-cache quantization") and not _on_paper(decision):
        return "KV cache dtype"
    if technique == "quantization":
        return "quantized model"
    if technique == "distillation and pruning":
        return "distilled model"
    if technique.startswith("router"):
        return "router"
    if technique.endswith("response cache"):
        return "response cache"
    return None


def step(kind: Kind, notebook: str, decision: Decision, saved: dict[str, Any],
         profile: Profile) -> Step:
    """The step that applies `decision` (a kept row of `notebook`, whose whole saved result is
    `saved`) on `profile`."""
    return Step(kind=kind, notebook=notebook, decision=decision,
                **_APPLY[kind](decision.technique, decision.setting, saved, profile))


def _cap(technique: str, setting: str, saved: dict, profile: Profile) -> dict[str, Any]:
    return {"request": {"max_tokens": int(_number(r"max_tokens (\d+)", setting))}}


def _stop(technique: str, setting: str, saved: dict, profile: Profile) -> dict[str, Any]:
    if not setting.startswith('"}"'):
        raise ConfigError(f"stop sequence setting {setting!r}: the stack knows notebook 09's "
                          "closing brace ('\"}\" kept ...') only")
    return {"request": {"extra_body": JSON_END}}


def _compression(technique: str, setting: str, saved: dict, profile: Profile) -> dict[str, Any]:
    return {"compression": {"kind": _match(r"\((\w+)\)", technique),
                            "rate": _number(r"rate ([\d.]+)", setting)}}


def _in_baseline(technique: str, setting: str, saved: dict, profile: Profile) -> dict[str, Any]:
    return {}


def _speculative(technique: str, setting: str, saved: dict, profile: Profile) -> dict[str, Any]:
    method = setting.split(" ")[0]
    tokens = int(_number(r"\((\d+) tokens\)", setting))
    if method == "draft_model":
        spec = {"method": method, "model": profile.model("draft")}
    elif method == "ngram":  # notebook 06's prompt lookup
        spec = {"method": method, "prompt_lookup_max": 4, "prompt_lookup_min": 2}
    elif method in ("eagle", "eagle3") and profile.eagle_head:
        spec = {"method": method, "model": profile.eagle_head}
    else:
        raise ConfigError(f"speculative decoding setting {setting!r}: unknown method {method!r} "
                          "(valid: draft_model, ngram, eagle3 with the profile's eagle_head)")
    return {"server": {"speculative": spec | {"num_speculative_tokens": tokens}}}


def _kv_dtype(technique: str, setting: str, saved: dict, profile: Profile) -> dict[str, Any]:
    return {"server": {"kv_cache_dtype": setting.split(" vs ")[0]}}


def _quantized(technique: str, setting: str, saved: dict, profile: Profile) -> dict[str, Any]:
    return {"server": {"model": str(Path(profile.results_dir) / "03_quantization" / setting)}}


def _distilled(technique: str, setting: str, saved: dict, profile: Profile) -> dict[str, Any]:
    return {"server": {"model": str(ASSETS / setting), "served_model_name": setting}}


def _router(technique: str, setting: str, saved: dict, profile: Profile) -> dict[str, Any]:
    return {"router": {"threshold": float(saved["threshold"]),
                       "calibration_ids": list(saved["calibration_ids"])}}


def _cache(technique: str, setting: str, saved: dict, profile: Profile) -> dict[str, Any]:
    if technique.startswith("exact"):
        return {"cache": {"kind": "exact"}}
    return {"cache": {"kind": "semantic", "threshold": _number(r"threshold ([\d.]+)", setting)}}


_APPLY: dict[Kind, Callable[[str, str, dict, Profile], dict[str, Any]]] = {
    "output cap": _cap, "stop sequence": _stop, "prompt compression": _compression,
    "prefix caching": _in_baseline, "speculative decoding": _speculative,
    "KV cache dtype": _kv_dtype, "quantized model": _quantized, "distilled model": _distilled,
    "router": _router, "response cache": _cache}
"""How each kind of step reads its kept row (technique, setting, its notebook's saved result)."""


def _on_paper(decision: Decision) -> bool:
    """A planned row (notebook 04's gpu plan), not a served measurement."""
    return ":" in decision.setting


def _saves_more(candidate: Decision, current: Decision) -> bool:
    return (_pct(candidate) if _pct(candidate) is not None else 0.0) < \
        (_pct(current) if _pct(current) is not None else 0.0)


def _pct(decision: Decision) -> float | None:
    cost = decision.evidence.cost
    return None if cost is None else cost.pct


def _match(pattern: str, text: str) -> str:
    found = re.search(pattern, text)
    if found is None:
        raise ConfigError(f"cannot read a setting from {text!r} (expected {pattern!r}): was "
                          "it saved by this version of its notebook?")
    return found.group(1)


def _number(pattern: str, text: str) -> float:
    return float(_match(pattern, text))


class Setting(BaseModel):
    """One configuration of the stack as it is sent: the baseline (no step), or the baseline
    with some steps applied."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    steps: tuple[str, ...] = ()
    """The names of the steps applied, in order."""
    request: dict[str, Any] = {"max_tokens": None}
    """Endpoint options; the baseline sets no output cap (what a client that sets none gets)."""
    compression: dict[str, Any] | None = None
    server: dict[str, Any] = {}
    router: dict[str, Any] | None = None
    cache: dict[str, Any] | None = None

    @property
    def name(self) -> str:
        return "baseline" if not self.steps else f"+ {self.steps[-1]}"

    def plus(self, step: Step) -> Setting:
        """This setting with `step` applied on top."""
        return self.model_copy(update={
            "steps": (*self.steps, step.name), "request": self.request | step.request,
            "compression": step.compression or self.compression,
            "server": self.server | step.server, "router": step.router or self.router,
            "cache": step.cache or self.cache})

    def sent(self) -> Setting:
        """What reaches the servers: this setting without its response cache."""
        return self.model_copy(update={"steps": (), "cache": None})
