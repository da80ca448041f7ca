from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from llmopt.redaction import MASK, child_env, mask, redact_url, secret_name

KEY = "llmopt-test-key-4f1c9a"


def test_a_urls_credentials_and_secret_query_values_are_redacted():
    url = f"https://alice:{KEY}@gw.example.com/v1?api_key={KEY}&api-version=2024&sig={KEY}"
    assert redact_url(url) == ("https://***@gw.example.com/v1?api_key=***&api-version=2024"
                               "&sig=***")
    assert redact_url("http://127.0.0.1:8000/v1") == "http://127.0.0.1:8000/v1"


def test_texts_lose_urls_credentials_key_shapes_and_the_environments_keys(monkeypatch):
    monkeypatch.setenv("MY_GATEWAY_TOKEN", KEY)
    text = (f"401 from https://u:{KEY}@h/v1: Incorrect API key provided: {KEY}; "
            "Bearer abcdefgh12345678 sk-proj-ABCDEFGHIJKLMNOPQRSTUV hf_" + "a" * 34)
    masked = mask(text)
    assert KEY not in masked and "abcdefgh12345678" not in masked and "sk-proj" not in masked
    assert "hf_aaa" not in masked and masked.count(MASK) >= 5


@pytest.mark.parametrize(("name", "secret"), [
    ("OPENAI_API_KEY", True), ("HF_TOKEN", True), ("api_key", True), ("X-Api-Key", True),
    ("access_token", True), ("sig", True), ("KEYBOARD", False), ("MONKEY", False),
    ("TOKENIZERS_PARALLELISM", False), ("AUTHOR", False), ("PATH", False)])
def test_secret_names_are_told_by_their_words(name, secret):
    assert secret_name(name) is secret


def test_a_child_gets_no_key_it_does_not_need(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("HF_TOKEN", "hub-token-for-gated-models")
    env = child_env({"VLLM_API_KEY": "given-on-purpose"})
    assert "OPENAI_API_KEY" not in env and env["HF_TOKEN"] == "hub-token-for-gated-models"
    assert env["VLLM_API_KEY"] == "given-on-purpose" and env["PATH"]


@given(user=st.text(st.characters(blacklist_characters="@/?#:[]", min_codepoint=33,
                                  max_codepoint=126), min_size=1, max_size=20),
       secret=st.text(st.characters(whitelist_categories=("Lu", "Ll", "Nd")), min_size=8,
                      max_size=40))
def test_no_userinfo_survives_redaction(user, secret):
    redacted = redact_url(f"https://{user}:{secret}@host.example/v1")
    assert secret not in redacted.split("@")[0] and redacted.endswith("@host.example/v1")
