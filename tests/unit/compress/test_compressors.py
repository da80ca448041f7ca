"""The three compressors through llmlingua's own code, on the demo world's models (a few
seconds each: marked slow). The demo `small` model scores tokens for LLMLingua and
LongLLMLingua; the shipped demo classifier is LLMLingua-2's model."""

import json

import pytest

from llmopt import compress
from llmopt.compress.classifier import MANIFEST, verify
from llmopt.demo import manual
from llmopt.demo.generator import generate
from llmopt.errors import ConfigError
from llmopt.profile import resolve_model
from llmopt.widgets import CompressionView

pytestmark = pytest.mark.slow
ITEMS = generate(3, seed=0)


def load(kind, **config):
    model = compress.default_model(kind, "demo", resolve_model("demo:small"))
    return compress.load({"kind": kind, **config}, model=model)


def test_the_shipped_classifier_matches_its_manifest():
    verify()
    shipped = json.loads(MANIFEST.read_text())
    assert shipped["bytes"] < 5_000_000 and shipped["parameters"] < 1_000_000
    assert shipped["held_out_token_f1"]["ticket"] > 0.9


@pytest.mark.parametrize("kind", compress.KINDS)
def test_compresses_the_manual_and_keeps_the_forced_spans(kind):
    compressor = load(kind)
    result = compressor.compress(manual.MANUAL, ITEMS[0].user, rate=0.4)
    assert result.forced and result.missing == []
    assert len(result.compressed) < 0.8 * len(manual.MANUAL)
    assert 0.2 < result.kept_words < 0.8
    milder = compressor.compress(manual.MANUAL, ITEMS[0].user, rate=0.8)
    assert len(milder.compressed) > len(result.compressed)
    assert compressor.compress(manual.MANUAL, ITEMS[0].user, rate=1.0).compressed == manual.MANUAL


def test_llmlingua_iterates_over_windows_with_the_kv_cache():
    """Small windows make LLMLingua reuse its KV cache across windows (the path that needs
    LegacyCacheModel under transformers 5)."""
    result = load("llmlingua", iterative_size=64).compress(manual.MANUAL, rate=0.5)
    assert result.missing == [] and len(result.compressed) < 0.8 * len(manual.MANUAL)


def test_only_longllmlingua_reads_the_question():
    long = load("longllmlingua", rate=0.4)
    results = {long.compress(manual.MANUAL, item.user).compressed for item in ITEMS}
    assert len(results) > 1
    with pytest.raises(ConfigError, match="needs the question"):
        long.compress(manual.MANUAL)
    two = load("llmlingua2", rate=0.4)
    assert len({two.compress(manual.MANUAL, item.user).compressed for item in ITEMS}) == 1


def test_a_token_budget():
    compressor = load("llmlingua2", target_token=120)
    result = compressor.compress(manual.MANUAL)
    assert result.setting == "120 tokens" and len(result.compressed) < 0.6 * len(manual.MANUAL)


def test_compress_items_shares_or_repeats_the_call():
    shared = compress.compress_items(load("llmlingua2"), ITEMS, rate=0.5, repeats=2)
    assert len(shared.compressions) == 1 and len(shared.timings_s) == 2
    assert {i.system for i in shared.items} == {shared.compressions[0].compressed}
    assert [i.user for i in shared.items] == [i.user for i in ITEMS]
    per_request = compress.compress_items(load("longllmlingua"), ITEMS, rate=0.5)
    assert per_request.per_request and len(per_request.compressions) == len(ITEMS)


def test_the_widget_with_a_real_compressor():
    view = CompressionView(load("llmlingua2"), manual.MANUAL, rate=0.9)
    mild = view.result.kept_words
    view.slider.value = 0.3
    assert view.result.kept_words < mild and "line-through" in view.view.value
