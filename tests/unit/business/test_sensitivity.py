"""The sensitivity table and the API price path: shape, hand-worked rows, and directions."""

from __future__ import annotations

import pytest

from llmopt.business import business_case, monthly_cost, path_payback, price_path, sensitivity
from llmopt.business.sensitivity import COLUMNS
from llmopt.errors import ConfigError
from tests.unit.business.conftest import MEAN_ONE_PER_S, REPLICA_MONTH
from tests.unit.business.test_money import with_


def test_one_row_per_factor_and_level(inputs, catalog):
    table = sensitivity(inputs, "self-host", today="API", catalog=catalog)
    assert list(table.columns) == COLUMNS
    assert list(table.groupby("factor", sort=False).size().items()) == [
        ("GPU utilisation at peak", 5), ("GPU price", 2), ("night shutdown", 2),
        ("API price fall per year", 4)]
    assert (table["note"] == "").all()


def test_rows_work_out_by_hand(inputs, catalog):
    table = sensitivity(inputs, "self-host", today="API", catalog=catalog).set_index(
        ["factor", "level"])
    api_today = MEAN_ONE_PER_S * 0.0022
    # spot halves the 2-replica fleet; at 10% utilisation the 2 req/s peak takes 10 replicas
    assert table.loc[("GPU price", "spot"), "after_usd"] == pytest.approx(REPLICA_MONTH)
    assert table.loc[("GPU utilisation at peak", "10%"), "after_usd"] == pytest.approx(
        10 * REPLICA_MONTH)
    assert table.loc[("GPU utilisation at peak", "10%"), "today_usd"] == pytest.approx(
        api_today)
    unchanged = business_case(inputs, "self-host", today="API", catalog=catalog)
    flat = table.loc[("API price fall per year", "1x")]
    assert flat["monthly_saving_usd"] == pytest.approx(unchanged.monthly_saving_usd)
    assert flat["payback_months"] == pytest.approx(unchanged.payback_months)


def test_a_level_that_cannot_be_priced_is_a_noted_row(inputs, catalog):
    no_spot = with_(inputs, fleet={"gpu": "NoSpot"})
    table = sensitivity(no_spot, "self-host", catalog=catalog).set_index(["factor", "level"])
    row = table.loc[("GPU price", "spot")]
    assert "GPU 'NoSpot' has no spot price" in row["note"]
    assert row[["today_usd", "after_usd", "monthly_saving_usd", "payback_months"]].isna().all()


def test_night_shutdown_levels_use_the_inputs_hours(inputs, catalog):
    night = with_(inputs, fleet={"gpu_hours_per_day": 18})
    table = sensitivity(night, "self-host", catalog=catalog)
    assert list(table.loc[table["factor"] == "night shutdown", "level"]) == [
        "off (24 h)", "on (18 h)"]


def test_a_shutdown_shorter_than_the_traffic_is_noted(inputs, catalog):
    daytime = with_(inputs, traffic={"peak_to_mean": None, "traffic_hours_per_day": 20})
    table = sensitivity(daytime, "self-host", catalog=catalog).set_index(["factor", "level"])
    assert "GPUs run 16" in table.loc[("night shutdown", "on (16 h)"), "note"]


@pytest.mark.parametrize("volume", [1e4, 3e5, MEAN_ONE_PER_S, 2e7])
def test_higher_utilisation_never_raises_self_host_cost_per_request(inputs, catalog, volume):
    costs = []
    for percent in range(10, 91, 5):
        tuned = with_(inputs, fleet={"target_utilization": percent / 100})
        cost = monthly_cost(tuned, "self-host", "after", catalog, requests_per_month=volume)
        costs.append(cost.usd_per_million_requests)
    assert all(b <= a for a, b in zip(costs, costs[1:], strict=False))
    assert costs[-1] < costs[0] or volume < 1e5


def test_falling_api_prices_never_raise_the_api_cost(inputs, catalog):
    path = price_path(inputs, "API", catalog=catalog, fall_per_year=10, months=24)
    assert (path["today_usd"].diff().dropna() <= 0).all()
    assert (path["after_usd"].diff().dropna() <= 0).all()
    assert path["price_multiplier"].iloc[12] == pytest.approx(0.1)
    assert path["after_usd"].iloc[12] == pytest.approx(0.1 * MEAN_ONE_PER_S * 0.0018)


def test_falling_api_prices_shrink_the_case_for_self_hosting(inputs, catalog):
    table = sensitivity(inputs, "self-host", today="API", catalog=catalog)
    falls = table[table["factor"] == "API price fall per year"]
    savings = list(falls["monthly_saving_usd"])
    assert savings == sorted(savings, reverse=True)
    paybacks = [p if p == p else float("inf") for p in falls["payback_months"]]
    assert paybacks == sorted(paybacks)


def test_path_payback():
    assert path_payback([100, 100, 100], 250) == pytest.approx(2.5)
    assert path_payback([100, 50, 0, 0], 200) is None
    assert path_payback([-100, 200, 200], 300) == pytest.approx(3.0)
    assert path_payback([10], 0) == 0.0
    assert path_payback([0], 0) is None


def test_price_path_rejects_rising_prices(inputs, catalog):
    with pytest.raises(ConfigError, match="fall_per_year must be a finite number >= 1"):
        price_path(inputs, "API", catalog=catalog, fall_per_year=0.5)
