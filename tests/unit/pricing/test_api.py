from datetime import UTC, date, datetime

import pytest

from llmopt.errors import ConfigError
from llmopt.pricing.api import Price, PriceOverrides, api_price, batch_price, request_cost


@pytest.mark.parametrize(("model", "provider"), [
    ("gpt-4o-mini", "openai"),
    ("claude-sonnet-4-5", None),
    ("gemini-2.5-flash", "google"),
])
def test_real_prices_are_positive_with_cache_cheaper_than_input(model, provider) -> None:
    price = api_price(model, provider)
    assert 0 < price.input < price.output
    assert price.cached_input is not None and 0 < price.cached_input < price.input
    assert price.source.startswith("genai-prices ")
    assert price.model == model


def test_known_values_and_inferred_provider() -> None:
    price = api_price("gpt-4o-mini")
    assert (price.provider, price.input, price.cached_input, price.output) == (
        "openai", 0.15, 0.075, 0.6)


def test_tiered_prices_report_the_base_tier_and_its_limit() -> None:
    price = api_price("claude-sonnet-4-5", "anthropic")
    assert price.input == 3.0
    assert price.tiered_above_tokens == 200_000


def test_provider_without_cache_price_gives_none() -> None:
    assert api_price("llama-3.1-8b-instant", "groq").cached_input is None


def test_unknown_model_lists_close_matches() -> None:
    with pytest.raises(ConfigError, match="gpt-4o-mnii") as error:
        api_price("gpt-4o-mnii")
    assert "gpt-4o-mini" in str(error.value)
    assert "override" in str(error.value)


def test_unknown_model_at_a_provider_lists_that_providers_models() -> None:
    with pytest.raises(ConfigError, match="close matches: .*claude-3-5-haiku"):
        api_price("claude-3-5-haikoo", "anthropic")


def test_unknown_provider_lists_close_matches() -> None:
    with pytest.raises(ConfigError, match="'opneai'.*openai"):
        api_price("gpt-4o", "opneai")


def test_model_without_inferable_provider_names_the_candidates() -> None:
    with pytest.raises(ConfigError, match="pass provider=.*openai"):
        api_price("text-embedding-3-small")


def test_model_without_output_price_is_an_error_not_zero() -> None:
    with pytest.raises(ConfigError, match="no per-token input and output price"):
        api_price("text-embedding-3-small", "openai")


def _write(path, text):
    path.write_text(text)
    return path


def test_overrides_take_precedence(tmp_path) -> None:
    path = _write(tmp_path / "prices.yaml",
                  "gpt-4o-mini: {input: 9, output: 10, as_of: 2026-01-02}\n")
    price = api_price("gpt-4o-mini", "openai", overrides=path)
    assert (price.input, price.cached_input, price.output) == (9, None, 10)
    assert price.source == f"override: {path}"
    assert price.as_of == date(2026, 1, 2)


def test_overrides_fall_through_to_genai_prices(tmp_path) -> None:
    path = _write(tmp_path / "prices.yaml", "my-model: {input: 1, output: 2, cached_input: 0.5}\n")
    overrides = PriceOverrides.load(path)
    assert api_price("gpt-4o", overrides=overrides).source.startswith("genai-prices")
    own = api_price("My-Model", overrides=overrides)
    assert (own.provider, own.cached_input) == ("override", 0.5)
    assert own.as_of == datetime.fromtimestamp(path.stat().st_mtime, UTC).date()


def test_bad_override_entry_names_it(tmp_path) -> None:
    path = _write(tmp_path / "prices.yaml", "my-model: {input: -1, output: 2}\n")
    with pytest.raises(ConfigError, match="my-model.*input"):
        PriceOverrides.load(path)


def test_misspelt_override_field_is_rejected(tmp_path) -> None:
    path = _write(tmp_path / "prices.yaml", "my-model: {inptu: 1, output: 2}\n")
    with pytest.raises(ConfigError, match="inptu"):
        PriceOverrides.load(path)


def test_an_override_file_not_in_utf8_names_the_line_and_byte(tmp_path) -> None:
    path = tmp_path / "prices.yaml"
    path.write_bytes("# Preise\ncaf\u00e9-model: {input: 1, output: 2}\n".encode("latin-1"))
    with pytest.raises(ConfigError, match=r"prices.yaml.*not UTF-8: byte 0xe9 on line 2"):
        PriceOverrides.load(path)


def test_missing_override_file_names_the_path(tmp_path) -> None:
    with pytest.raises(ConfigError, match="nope.yaml"):
        api_price("gpt-4o", overrides=tmp_path / "nope.yaml")


def _price(cached_input: float | None) -> Price:
    return Price(provider="p", model="m", input=1.0, cached_input=cached_input, output=4.0,
                 source="test", as_of=date(2026, 1, 1))


def test_request_cost_bills_cached_tokens_at_the_cached_price() -> None:
    # 600 uncached * $1 + 400 cached * $0.1 + 200 output * $4, per 1M tokens
    assert request_cost(_price(0.1), 1000, 400, 200) == pytest.approx(1440 / 1e6)


def test_request_cost_without_cached_price_bills_the_input_price() -> None:
    assert request_cost(_price(None), 1000, 400, 200) == pytest.approx(1800 / 1e6)


@pytest.mark.parametrize(("args", "name"), [
    ((-1, 0, 0), "prompt_tokens"),
    ((10, 0, -5), "output_tokens"),
    ((10, 20, 0), "cached_tokens"),
])
def test_request_cost_rejects_bad_counts(args, name) -> None:
    with pytest.raises(ConfigError, match=name):
        request_cost(_price(0.1), *args)


def test_price_label() -> None:
    assert _price(None).label == "p/m (test)"


def test_batch_prices_come_from_genai_prices_where_it_has_them() -> None:
    standard, batch = api_price("gpt-4o-mini"), batch_price("gpt-4o-mini")
    assert batch is not None and batch.source.endswith(", batch")
    assert (batch.input, batch.output) == (standard.input / 2, standard.output / 2)
    assert batch_price("claude-3-5-haiku-latest", "anthropic") is None  # none in the data
