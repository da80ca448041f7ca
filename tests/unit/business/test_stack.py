"""Reading the earlier notebooks' decisions into the stack's ordered steps."""

from __future__ import annotations

import pytest

from llmopt.business import stack
from llmopt.business.stack import REQUIRED, Setting
from llmopt.errors import ConfigError
from llmopt.evidence import (
    Evidence,
    decide,
    exact_change,
    not_applicable,
    paired_quality,
    save_decisions,
)
from llmopt.profile import Profile
from llmopt.settings import REPO_ROOT

DEMO = REPO_ROOT / "cookbook" / "profiles" / "demo.yaml"
SAME = paired_quality([True] * 10, [True] * 10, tiers=["easy"] * 5 + ["hard"] * 5)


def row(technique: str, setting: str, pct: float, keep: bool = True):
    """A decision whose token bill changes by `pct` %, kept (quality unchanged) or dropped
    (the bill rises: no gain)."""
    cost = exact_change("$ per 1M requests", 100.0, 100.0 + (pct if keep else abs(pct)))
    return decide(technique, setting, Evidence(quality=SAME, cost=cost), budget_points=2.0)


@pytest.fixture
def demo() -> Profile:
    return Profile.load(DEMO)


@pytest.fixture
def folder(tmp_path, demo):
    """A results folder with every REQUIRED notebook's decisions, made with the demo profile."""
    compressions = [("llmlingua", "rate 0.7 (-20% tokens)", -13),
                    ("llmlingua2", "rate 0.5 (-40% tokens)", -26)]
    rows = {
        "02_prompt_compression": [
            *(row(f"prompt compression ({kind})", setting, pct)
              for kind, setting, pct in compressions),
            row("prompt compression (longllmlingua)", "rate 0.3 (-44% tokens)", -29, keep=False)],
        "05_kv_and_prefix_cache": [
            row("Prefix caching", "on vs off, demo:large, one stream", -8),
            row("Prompt layout", "ticket first vs manual first", -1),
            row("KV cache dtype", "fp8 vs auto, demo:large", -5, keep=False)],
        "06_speculative_decoding": [row("Speculative decoding",
                                        "draft_model (3 tokens) vs none, 1 in flight", -7)],
        "07_response_cache": [row("exact response cache", "SQLite in the results folder", -14),
                              row("semantic response cache", "MiniLM + FAISS, threshold 0.9990 "
                                  "(false-hit budget 1%)", -10)],
        "08_router_fallback": [row("router (embedding scorer)", "threshold 0.594 (25% strong)", -5,
                                   keep=False)],
        "09_output_side": [row("output cap", "max_tokens 57 (p99 of the lengths + 25%)", -1),
                           row("stop sequence", '"}" kept (the end of the JSON object)', -1),
                           row("API batch", "openai batch", -50)],
    }
    extra = {"08_router_fallback": {"threshold": 0.594, "calibration_ids": ["s0-00001"]}}
    for name, decisions in rows.items():
        save_decisions(tmp_path, name, decisions, profile=demo, **extra.get(name, {}))
    return tmp_path


def test_the_kept_steps_come_in_the_stated_order_one_setting_each(folder, demo):
    steps = stack.kept(stack.read(folder, demo), demo)
    assert [s.kind for s in steps] == ["output cap", "stop sequence", "prompt compression",
                                       "prefix caching", "speculative decoding", "response cache"]
    cap, stop, compression, prefix, speculation, cache = steps
    assert cap.request == {"max_tokens": 57}
    assert stop.request == {"extra_body": {"stop": ["}"], "include_stop_str_in_output": True}}
    assert compression.compression == {"kind": "llmlingua2", "rate": 0.5}  # the larger saving
    assert prefix.in_baseline and not cap.in_baseline
    assert speculation.server == {"speculative": {
        "method": "draft_model", "model": demo.model("draft"), "num_speculative_tokens": 3}}
    assert cache.cache == {"kind": "exact"} and cache.predicted_pct == pytest.approx(-14)
    assert list(stack.ORDER).index("router") < list(stack.ORDER).index("response cache")


def test_every_earlier_decision_is_listed_with_what_the_stack_does_with_it(folder, demo):
    listed = stack.table(stack.read(folder, demo)).set_index("technique")
    assert listed.loc["Prompt layout", "in the stack"] == stack.OUTSIDE["Prompt layout"]
    assert listed.loc["API batch", "in the stack"].startswith("an offline job")
    assert listed.loc["output cap", "in the stack"] == "output cap"
    assert (listed.loc["-", "in the stack"] == "not run into this results folder").all()
    assert len(listed.loc["-"]) == len(stack.OPTIONAL)


def test_a_missing_notebook_is_named_with_the_command_to_run(folder, demo):
    (folder / "06_speculative_decoding.json").unlink()
    with pytest.raises(ConfigError, match="needs notebook 06_speculative_decoding's decisions.*"
                                          "run notebook 06_speculative_decoding"):
        stack.read(folder, demo)


def test_a_decision_from_another_profile_is_refused_not_mixed(folder, demo):
    other = demo.model_copy(update={"seed": 1})
    save_decisions(folder, "10_kv_cache_bits", [row("KV cache dtype", "fp8 vs auto", -5)],
                   profile=other)
    with pytest.raises(ConfigError, match="10_kv_cache_bits.json .* stale"):
        stack.read(folder, demo)
    save_decisions(folder, "02_prompt_compression", [], profile=other)
    with pytest.raises(ConfigError, match="02_prompt_compression.json .* stale"):
        stack.read(folder, demo)


def test_optional_notebooks_add_their_kept_steps(folder, demo):
    save_decisions(folder, "11_distillation_and_pruning",
                   [row("distillation and pruning", "student-token", -40),
                    not_applicable("quantization", "no server", 2.0)], profile=demo)
    save_decisions(folder, "04_serving_capacity", [row(
        "KV cache dtype", "fp8 vs auto, meta-llama/Llama-3.1-8B-Instruct: 2 x RTX-4090 (tp=2)",
        -80)], profile=demo)  # a plan on paper is not a served setting: never the pick
    save_decisions(folder, "10_kv_cache_bits",
                   [row("KV-cache quantization", "turboquant_k8v4", -30)], profile=demo)
    steps = {s.kind: s for s in stack.kept(stack.read(folder, demo), demo)}
    assert steps["KV cache dtype"].server == {"kv_cache_dtype": "turboquant_k8v4"}
    assert steps["KV cache dtype"].notebook == "10_kv_cache_bits"
    assert steps["distilled model"].server == {
        "model": str(stack.ASSETS / "student-token"), "served_model_name": "student-token"}


def test_an_unknown_speculation_method_is_refused(demo):
    with pytest.raises(ConfigError, match="unknown method 'medusa'"):
        stack.step("speculative decoding", "06", row("Speculative decoding",
                                                      "medusa (3 tokens) vs none", -5), {}, demo)
    with pytest.raises(ConfigError, match="closing brace"):
        stack.step("stop sequence", "09", row("stop sequence", '"END" kept', -1), {}, demo)
    with pytest.raises(ConfigError, match="cannot read a setting from 'unlimited'"):
        stack.step("output cap", "09", row("output cap", "unlimited", -5), {}, demo)


def test_a_setting_adds_steps_on_top_and_sends_without_its_cache(folder, demo):
    cap, stop, compression, _, speculation, cache = stack.kept(stack.read(folder, demo), demo)
    built = Setting().plus(cap).plus(stop).plus(compression).plus(speculation).plus(cache)
    assert Setting().name == "baseline" and built.name == f"+ {cache.name}"
    assert built.request == {"max_tokens": 57} | stop.request
    assert built.compression["kind"] == "llmlingua2"
    assert built.server == speculation.server and built.cache == {"kind": "exact"}
    assert built.sent() == Setting().plus(cap).plus(stop).plus(compression).plus(speculation).sent()
    assert built.sent().cache is None and built.sent().steps == ()


def test_every_required_notebook_exists():
    from llmopt import pilot

    names = {nb.stem for nb in pilot.notebooks()}
    assert set(REQUIRED) | set(stack.OPTIONAL) <= names
