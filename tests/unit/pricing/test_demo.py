import pytest

from llmopt.errors import ConfigError
from llmopt.pricing.api import api_price
from llmopt.pricing.demo import DEMO_PRICE_TIERS, batch_price_for, price_for


@pytest.mark.parametrize("name", ["demo:large", "demo:small"])
def test_demo_prices_are_real_and_labelled_simulation(name) -> None:
    tier = DEMO_PRICE_TIERS[name]
    price = price_for(name)
    real = api_price(tier.model, tier.provider)
    assert (price.input, price.cached_input, price.output) == (
        real.input, real.cached_input, real.output)
    assert price.source.startswith(f"simulation: demo model priced as {tier.provider}/{tier.model}")
    assert "simulation" in price.label and price.model == name


def test_large_costs_more_than_small() -> None:
    large, small = price_for("demo:large"), price_for("demo:small")
    assert large.input > small.input and large.output > small.output


def test_other_models_go_through_api_price() -> None:
    assert price_for("gpt-4o-mini").source.startswith("genai-prices")


def test_unknown_demo_model_lists_the_demo_models() -> None:
    with pytest.raises(ConfigError, match="demo:medium.*demo:large, demo:small"):
        price_for("demo:medium")


def test_a_demo_models_batch_price_is_its_real_models():
    batch = batch_price_for("demo:large")
    assert batch is not None and batch.model == "demo:large"
    assert batch.output == price_for("demo:large").output / 2
