import math

import pytest

from llmopt.errors import ConfigError
from llmopt.pricing.selfhost import (
    DAYS_PER_MONTH,
    breakeven_tokens_per_day,
    cost_per_million_tokens,
    cost_table,
    monthly_cost_api,
    monthly_cost_selfhost,
    payback_months,
    replicas_needed,
    volume_grid,
)

CAPACITY_PER_DAY = 1000 * 86_400  # 1,000 tokens/s for a day


def test_cost_per_million_tokens_by_hand() -> None:
    # $2/h for 3.6M tokens/h
    assert cost_per_million_tokens(1000, 2.0) == pytest.approx(2 / 3.6)
    # 2 GPUs at $2/h, half busy: $4/h for 1.8M tokens/h
    assert cost_per_million_tokens(1000, 2.0, gpus=2, utilization=0.5) == pytest.approx(4 / 1.8)


def test_curves_cross_where_hand_computed() -> None:
    # one GPU at $2/h costs $48/day; at $1 per 1M tokens that buys 48M tokens/day (< 86.4M)
    volume = breakeven_tokens_per_day(1.0, 2.0, 1, 1000)
    assert volume == pytest.approx(48e6)
    selfhost = monthly_cost_selfhost(volume, 2.0, 1, 1000)
    assert monthly_cost_api(volume, 1.0) == pytest.approx(selfhost)
    assert monthly_cost_api(volume, 1.0) == pytest.approx(48 * DAYS_PER_MONTH)


def test_selfhost_never_wins_past_capacity() -> None:
    # 2 GPUs at $3/h = $144/day = 288M tokens at $0.5/1M, but the replica serves 172.8M/day
    assert breakeven_tokens_per_day(0.5, 3.0, 2, 2000) is None
    for volume in [1e6, 172.8e6, 300e6, 1e9]:
        assert monthly_cost_selfhost(volume, 3.0, 2, 2000) > monthly_cost_api(volume, 0.5)


def test_breakeven_exactly_at_capacity_counts() -> None:
    # $3.6/h = $86.4/day = 86.4M tokens at $1/1M = the capacity of 1,000 tokens/s
    assert breakeven_tokens_per_day(1.0, 3.6, 1, 1000) == pytest.approx(CAPACITY_PER_DAY)


def test_fleet_cost_is_a_step_function_of_volume() -> None:
    assert replicas_needed(0, 1000) == 1
    assert replicas_needed(CAPACITY_PER_DAY, 1000) == 1
    assert replicas_needed(CAPACITY_PER_DAY + 1, 1000) == 2
    assert monthly_cost_selfhost(100e6, 2.0, 1, 1000) == pytest.approx(2 * 48 * DAYS_PER_MONTH)
    assert monthly_cost_selfhost(100e6, 2.0, 4, 1000) == pytest.approx(8 * 48 * DAYS_PER_MONTH)


def test_payback() -> None:
    assert payback_months(10_000, 2_500) == 4.0
    assert payback_months(0, 100) == 0.0
    assert payback_months(10_000, 0) is None
    assert payback_months(10_000, -5) is None


@pytest.mark.parametrize(("call", "name"), [
    (lambda: cost_per_million_tokens(0, 2.0), "tokens_per_second"),
    (lambda: cost_per_million_tokens(100, -2.0), "usd_per_hour"),
    (lambda: cost_per_million_tokens(100, 2.0, gpus=0), "gpus"),
    (lambda: cost_per_million_tokens(100, 2.0, utilization=1.5), "utilization"),
    (lambda: breakeven_tokens_per_day(0, 2.0, 1, 1000), "api_usd_per_million"),
    (lambda: breakeven_tokens_per_day(1.0, 0, 1, 1000), "gpu_usd_per_hour"),
    (lambda: breakeven_tokens_per_day(1.0, 2.0, 1, math.nan), "capacity_tokens_per_second"),
    (lambda: monthly_cost_api(-1, 1.0), "tokens_per_day"),
    (lambda: payback_months(-1, 100), "setup_cost_usd"),
    (lambda: payback_months(1, math.inf), "monthly_saving_usd"),
])
def test_bad_input_names_the_value(call, name) -> None:
    with pytest.raises(ConfigError, match=name):
        call()


def test_volume_grid_includes_every_step() -> None:
    grid = volume_grid(3 * CAPACITY_PER_DAY + 1, 1000, points=5)
    assert grid[0] == 0 and grid[-1] == 3 * CAPACITY_PER_DAY + 1
    assert {CAPACITY_PER_DAY, 2 * CAPACITY_PER_DAY, 3 * CAPACITY_PER_DAY} <= set(grid)
    assert grid == sorted(grid)


def test_cost_table_is_tidy() -> None:
    table = cost_table([0, 100e6], 1.0, 2.0, 1, 1000)
    assert list(table.columns) == ["tokens_per_day", "option", "monthly_cost_usd", "gpus"]
    assert list(table["option"]) == ["API", "self-host", "API", "self-host"]
    assert table["monthly_cost_usd"].tolist() == pytest.approx(
        [0, 48 * DAYS_PER_MONTH, 100 * DAYS_PER_MONTH, 96 * DAYS_PER_MONTH])
    assert table["gpus"].isna().tolist() == [True, False, True, False]
    assert table.loc[table.option == "self-host", "gpus"].tolist() == [1, 2]
