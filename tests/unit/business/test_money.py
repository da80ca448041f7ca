"""The money model against costs worked out by hand (conftest.py has the arithmetic)."""

from __future__ import annotations

import math

import pytest
import yaml

from llmopt.business import (
    ApiPrices,
    Fleet,
    Measured,
    MoneyInputs,
    OneOff,
    Throughput,
    Tokens,
    Traffic,
    assumptions,
    breakeven_requests_per_month,
    business_case,
    monthly_cost,
    monthly_costs,
    one_off_cost,
    payback_months,
    steps,
)
from llmopt.errors import ConfigError
from tests.unit.business.conftest import MEAN_ONE_PER_S, REPLICA_MONTH

DEFAULT_ONE_OFF = 10 * 800.0


def with_(inputs: MoneyInputs, **sections: dict) -> MoneyInputs:
    """`inputs` with some of its sections' fields changed (validated again)."""
    data = inputs.model_dump(exclude_unset=True)
    for section, changes in sections.items():
        data[section] = data.get(section, {}) | changes
    return MoneyInputs.model_validate(data)


def test_api_cost_is_tokens_times_prices(inputs, catalog):
    before = monthly_cost(inputs, "API", "before", catalog)
    after = monthly_cost(inputs, "API", "after", catalog)
    assert before.api_usd == pytest.approx(MEAN_ONE_PER_S * 0.0022)
    assert after.total_usd == pytest.approx(MEAN_ONE_PER_S * 0.0018)
    assert (before.gpu_usd, before.replicas, before.utilization) == (0.0, 0, None)
    assert before.usd_per_million_requests == pytest.approx(2200.0)


def test_cached_input_without_a_cached_price_is_billed_as_input(api):
    plain = api.model_copy(update={"cached_input_usd_per_million": None})
    tokens = Tokens(input=1000, cached_input=400, output=100)
    assert plain.request_usd(tokens) == pytest.approx((1000 * 2 + 100 * 8) / 1e6)


def test_self_host_sizes_replicas_for_the_peak(inputs, catalog):
    # peak 2 req/s; a replica does 1 req/s loaded to 0.5: 4 replicas before, 2 after
    before = monthly_cost(inputs, "self-host", "before", catalog)
    after = monthly_cost(inputs, "self-host", "after", catalog)
    assert (before.replicas, after.replicas) == (4, 2)
    assert before.total_usd == pytest.approx(4 * REPLICA_MONTH)
    assert after.total_usd == pytest.approx(2 * REPLICA_MONTH)
    assert before.api_usd == 0.0
    assert before.utilization == pytest.approx(0.25)


def test_traffic_hours_set_the_peak(inputs, catalog):
    # 8 hours of traffic a day: peak 3x the mean, 6 replicas before the stack
    shaped = with_(inputs, traffic={"peak_to_mean": None, "traffic_hours_per_day": 8})
    assert monthly_cost(shaped, "self-host", "before", catalog).replicas == 6


def test_night_shutdown_runs_fewer_hours_for_the_same_traffic(inputs, catalog):
    # flat traffic squeezed into 12 running hours peaks at 2x the daily mean: 4 replicas, half
    # the hours
    night = with_(inputs, traffic={"peak_to_mean": 1.0}, fleet={"gpu_hours_per_day": 12})
    cost = monthly_cost(night, "self-host", "before", catalog)
    assert cost.replicas == 4
    assert cost.total_usd == pytest.approx(4 * REPLICA_MONTH / 2)
    assert cost.utilization == pytest.approx(0.5)


def test_spot_price_and_gpus_per_replica(inputs, catalog):
    spot = with_(inputs, fleet={"spot": True, "gpus_per_replica": 2})
    cost = monthly_cost(spot, "self-host", "after", catalog)
    assert cost.total_usd == pytest.approx(2 * 2 * 0.5 * REPLICA_MONTH)


def test_throughput_as_gpu_hours_per_million_requests():
    # 1 req/s is 1e6/3600 replica-hours per 1M requests; a 2-GPU replica spends twice that
    hours = 1e6 / 3600
    assert Throughput(gpu_hours_per_million=hours).replica_requests_per_s(1) == pytest.approx(1)
    assert Throughput(gpu_hours_per_million=2 * hours).replica_requests_per_s(2) == \
        pytest.approx(1)


def test_hybrid_splits_between_api_and_a_cheap_fleet(inputs, catalog):
    routed = inputs.before.model_copy(update={
        "strong_share": 0.25, "cheap_throughput": Throughput(requests_per_s=3.0)})
    hybrid = monthly_cost(inputs.model_copy(update={"before": routed}), "hybrid", "before",
                          catalog)
    # a quarter of the requests to the API; 1.5 req/s at the peak on 3 req/s replicas at 0.5
    assert hybrid.api_usd == pytest.approx(0.25 * MEAN_ONE_PER_S * 0.0022)
    assert hybrid.replicas == 1
    assert hybrid.total_usd == pytest.approx(hybrid.api_usd + REPLICA_MONTH)


def test_hybrid_without_a_router_is_the_api(inputs, catalog):
    api = monthly_cost(inputs, "API", "after", catalog)
    hybrid = monthly_cost(inputs, "hybrid", "after", catalog)
    assert (hybrid.total_usd, hybrid.replicas) == (api.total_usd, 0)


def test_strong_tokens_price_the_routed_requests(inputs, catalog):
    routed = inputs.after.model_copy(update={
        "strong_share": 0.5, "strong_tokens": Tokens(input=2000, output=100)})
    cost = monthly_cost(inputs.model_copy(update={"after": routed}), "hybrid", "after", catalog)
    assert cost.api_usd == pytest.approx(0.5 * MEAN_ONE_PER_S * (2000 * 2 + 100 * 8) / 1e6)


def test_response_cache_hits_cost_nothing(inputs, catalog):
    cached = inputs.after.model_copy(update={"response_cache_hit_rate": 0.5})
    priced = inputs.model_copy(update={"after": cached})
    assert monthly_cost(priced, "API", "after", catalog).total_usd == pytest.approx(
        0.5 * MEAN_ONE_PER_S * 0.0018)
    assert monthly_cost(priced, "self-host", "after", catalog).replicas == 1


def test_monthly_costs_has_every_option_and_stage(inputs, catalog):
    table = monthly_costs(inputs, catalog)
    assert list(zip(table["option"], table["stage"], strict=True)) == [
        ("API", "before"), ("API", "after"), ("self-host", "before"), ("self-host", "after"),
        ("hybrid", "before"), ("hybrid", "after")]


def test_one_off_costs_add_up(catalog):
    one_off = OneOff(labelled_examples=200, training_gpu_hours=5)
    cost = one_off_cost(one_off, Fleet(gpu="T-GPU", spot=True), catalog)
    # training at the on-demand price even on a spot fleet
    assert (cost.engineering_usd, cost.labelling_usd, cost.training_usd) == (8000, 100, 5)
    assert cost.total_usd == 8105
    assert one_off_cost({"training_gpu_hours": 2, "training_usd_per_gpu_hour": 3.5,
                         "engineering_days": 0}).total_usd == 7


def test_payback_months():
    assert payback_months(1000, 250) == 4
    assert payback_months(0, 10) == 0
    assert payback_months(1000, 0) is None
    assert payback_months(1000, -5) is None
    with pytest.raises(ConfigError, match="one_off_usd must be >= 0"):
        payback_months(-1, 10)
    with pytest.raises(ConfigError, match="monthly_saving_usd must be a finite number"):
        payback_months(10, math.nan)


def test_business_case_on_the_api(inputs, catalog):
    case = business_case(inputs, "API", catalog=catalog)
    saving = MEAN_ONE_PER_S * 0.0004
    assert case.monthly_saving_usd == pytest.approx(saving)
    assert case.payback_months == pytest.approx(DEFAULT_ONE_OFF / saving)
    # break-even: 0.0004 V = 8000 / 12
    assert case.breakeven_requests_per_month == pytest.approx(DEFAULT_ONE_OFF / 12 / 0.0004)


def test_business_case_self_hosted_breaks_even_at_a_replica_step(inputs, catalog):
    case = business_case(inputs, "self-host", catalog=catalog)
    assert case.monthly_saving_usd == pytest.approx(2 * REPLICA_MONTH)
    assert case.payback_months == pytest.approx(DEFAULT_ONE_OFF / (2 * REPLICA_MONTH))
    # below a quarter of the 1 req/s mean both need one replica; past it the baseline needs 2
    # and one replica saved ($730) covers the amortised $667
    assert case.breakeven_requests_per_month == pytest.approx(MEAN_ONE_PER_S / 4)


def test_moving_from_the_api_to_self_hosting(inputs, catalog):
    case = business_case(inputs, "self-host", today="API", catalog=catalog)
    assert case.today.option == "API" and case.after.option == "self-host"
    assert case.monthly_saving_usd == pytest.approx(MEAN_ONE_PER_S * 0.0022 - 2 * REPLICA_MONTH)
    # one replica ($730) plus $666.67 amortised against $0.0022 a request
    assert case.breakeven_requests_per_month == pytest.approx(
        (REPLICA_MONTH + DEFAULT_ONE_OFF / 12) / 0.0022)


def test_no_saving_never_pays_back(inputs, catalog):
    same = inputs.model_copy(update={"after": inputs.before})
    for option in ("API", "self-host", "hybrid"):
        case = business_case(same, option, catalog=catalog)
        assert case.monthly_saving_usd == 0
        assert case.payback_months is None
        assert case.breakeven_requests_per_month is None


def test_no_saving_and_nothing_spent_never_breaks_even(inputs, catalog):
    free = inputs.model_copy(update={"after": inputs.before, "one_off": OneOff(
        engineering_days=0)})
    assert breakeven_requests_per_month(free, "API", catalog=catalog) is None


def test_a_saving_with_nothing_spent_breaks_even_at_once(inputs, catalog):
    free = inputs.model_copy(update={"one_off": OneOff(engineering_days=0)})
    assert breakeven_requests_per_month(free, "API", catalog=catalog) == 0.0
    assert business_case(free, "API", catalog=catalog).payback_months == 0


def test_a_stack_that_costs_more_shows_a_negative_saving(inputs, catalog):
    worse = inputs.after.model_copy(update={"tokens": Tokens(input=1000, output=300),
                                            "throughput": Throughput(requests_per_s=0.5)})
    costly = inputs.model_copy(update={"after": worse})
    for option in ("API", "self-host"):
        case = business_case(costly, option, catalog=catalog)
        assert case.monthly_saving_usd < 0
        assert case.payback_months is None
        assert case.breakeven_requests_per_month is None


def test_zero_traffic(inputs, catalog):
    idle = with_(inputs, traffic={"requests_per_month": 0})
    api = monthly_cost(idle, "API", "after", catalog)
    own = monthly_cost(idle, "self-host", "after", catalog)
    assert (api.total_usd, api.usd_per_million_requests) == (0.0, None)
    assert (own.replicas, own.total_usd, own.utilization) == (1, REPLICA_MONTH, 0.0)
    assert own.usd_per_million_requests is None
    for option in ("API", "self-host", "hybrid"):
        case = business_case(idle, option, catalog=catalog)
        assert case.monthly_saving_usd == 0
        assert case.payback_months is None
    # the break-even volume does not depend on today's traffic
    assert business_case(idle, "API", catalog=catalog).breakeven_requests_per_month == \
        pytest.approx(DEFAULT_ONE_OFF / 12 / 0.0004)


def test_scale_to_zero_costs_nothing_without_traffic(inputs, catalog):
    idle = with_(inputs, traffic={"requests_per_month": 0}, fleet={"min_replicas": 0})
    assert monthly_cost(idle, "self-host", "before", catalog).total_usd == 0.0


def test_spot_price_missing_names_the_gpu(inputs, catalog):
    spot = with_(inputs, fleet={"gpu": "NoSpot", "spot": True})
    with pytest.raises(ConfigError, match="GPU 'NoSpot' has no spot price"):
        monthly_cost(spot, "self-host", "after", catalog)
    # the API option runs no GPU, so it needs no GPU price
    assert monthly_cost(spot, "API", "after", catalog).gpu_usd == 0.0


def test_unknown_gpu_lists_the_catalog(inputs, catalog):
    with pytest.raises(ConfigError, match="unknown GPU 'A999'.*NoSpot, T-GPU"):
        monthly_cost(with_(inputs, fleet={"gpu": "A999"}), "self-host", "after", catalog)


@pytest.mark.parametrize(("section", "field", "value", "message"), [
    ("traffic", "requests_per_month", -1, "greater than or equal to 0"),
    ("traffic", "requests_per_month", math.nan, "finite number"),
    ("traffic", "requests_per_month", None, "valid number"),
    ("api", "input_usd_per_million", -0.5, "greater than or equal to 0"),
    ("api", "output_usd_per_million", math.inf, "finite number"),
    ("api", "cached_input_usd_per_million", math.nan, "finite number"),
    ("fleet", "target_utilization", 0, "greater than 0"),
    ("fleet", "gpu_hours_per_day", 25, "less than or equal to 24"),
    ("one_off", "day_rate_usd", -100, "greater than or equal to 0"),
    ("one_off", "labelled_examples", -3, "greater than or equal to 0"),
])
def test_bad_numbers_name_the_field(inputs, section, field, value, message):
    with pytest.raises(ConfigError, match=rf"{section}\.{field}: .*{message}"):
        with_(inputs, **{section: {field: value}})


def test_missing_prices_and_volumes_name_the_field(inputs):
    data = inputs.model_dump(exclude_unset=True)
    del data["api"]["output_usd_per_million"]
    del data["traffic"]["requests_per_month"]
    with pytest.raises(ConfigError) as raised:
        MoneyInputs.model_validate(data)
    assert "api.output_usd_per_million: required" in str(raised.value)
    assert "traffic.requests_per_month: required" in str(raised.value)


def test_bad_measurements_name_the_field():
    with pytest.raises(ConfigError, match="Tokens: input: Input should be greater than or equal"):
        Tokens(input=-1, output=10)
    with pytest.raises(ConfigError, match="cached_input .* must be <= input"):
        Tokens(input=10, cached_input=20, output=1)
    with pytest.raises(ConfigError, match="give one of requests_per_s or gpu_hours_per_million"):
        Throughput()
    with pytest.raises(ConfigError, match="strong_share: Input should be less than or equal"):
        Measured(tokens={"input": 1, "output": 1}, throughput={"requests_per_s": 1},
                 strong_share=1.5)
    with pytest.raises(ConfigError, match="Extra inputs are not permitted"):
        Traffic(requests_per_month=1, requests_per_day=5)


def test_traffic_must_arrive_while_the_gpus_run(inputs):
    with pytest.raises(ConfigError, match="traffic arrives 20 hours a day but the GPUs run 16"):
        with_(inputs, traffic={"peak_to_mean": None, "traffic_hours_per_day": 20},
              fleet={"gpu_hours_per_day": 16})
    with pytest.raises(ConfigError, match="peak_to_mean or traffic_hours_per_day, not both"):
        Traffic(requests_per_month=1, peak_to_mean=2, traffic_hours_per_day=8)


def test_inputs_round_trip_through_yaml(inputs):
    text = yaml.safe_dump(inputs.model_dump(mode="json", exclude_unset=True))
    assert MoneyInputs.model_validate(yaml.safe_load(text)) == inputs


def test_api_prices_come_from_genai_prices():
    prices = ApiPrices.of("demo:large")
    assert prices.input_usd_per_million > 0 and prices.output_usd_per_million > 0
    assert "simulation" in prices.source and "genai-prices" in prices.source
    with pytest.raises(ConfigError, match="unknown"):
        ApiPrices.of("gpt-4o-mni")


def test_steps_give_the_cost_after_each_step(inputs, catalog, before, after):
    cheaper = before.model_copy(update={"tokens": after.tokens})
    frame = steps(inputs, "API", {"baseline": before, "output cap": cheaper}, catalog)
    assert list(frame["step"]) == ["baseline", "output cap"]
    assert list(frame["usd_per_million_requests"]) == pytest.approx([2200.0, 1800.0])
    assert frame["delta_usd_per_million_requests"].iloc[1] == pytest.approx(-400.0)
    with pytest.raises(ConfigError, match="steps need traffic"):
        steps(with_(inputs, traffic={"requests_per_month": 0}), "API", {"a": before}, catalog)


def test_assumptions_say_where_each_value_came_from(inputs, catalog):
    found = {name: (value, source) for name, value, source in assumptions(inputs, catalog)}
    assert found["traffic.requests_per_month"] == ("2,628,000", "given")
    assert found["traffic.traffic_hours_per_day"] == ("none", "not given")
    assert found["before.tokens.output"] == ("100", "measured")
    assert found["one_off.day_rate_usd"][1].startswith("default $800")
    assert found["fleet.min_replicas"][1].startswith("default 1")
    assert found["api.input_usd_per_million"] == ("2", "price: test prices")
    assert "test catalog" in found["fleet GPU price (on demand / spot, $/GPU-hour)"][1]
    assert found["traffic peak factor used"][0] == "2"


def test_unknown_option_lists_the_valid_ones(inputs, catalog):
    with pytest.raises(ConfigError, match="unknown option 'cloud'; valid: API, hybrid, self-host"):
        monthly_cost(inputs, "cloud", "after", catalog)  # type: ignore[arg-type]


@pytest.mark.parametrize(("option", "today", "share", "engineering_days"), [
    ("self-host", None, 1.0, 10), ("self-host", "API", 1.0, 3), ("hybrid", "API", 0.3, 10),
    ("hybrid", "self-host", 0.3, 1), ("hybrid", None, 0.6, 20), ("API", "hybrid", 0.5, 5),
])
def test_breakeven_is_the_least_volume_that_covers_the_one_off(inputs, catalog, option, today,
                                                               share, engineering_days):
    routed = {stage: getattr(inputs, stage).model_copy(update={"strong_share": share})
              for stage in ("before", "after")}
    priced = inputs.model_copy(update={**routed, "one_off": OneOff(
        engineering_days=engineering_days)})
    found = breakeven_requests_per_month(priced, option, today, catalog)
    amortised = engineering_days * 800 / 12

    def saving(volume: float) -> float:
        first = monthly_cost(priced, today or option, "before", catalog, volume).total_usd
        return first - monthly_cost(priced, option, "after", catalog, volume).total_usd

    grid = [v * MEAN_ONE_PER_S / 200 for v in range(2001)]
    covered = [v for v in grid if saving(v) >= amortised - 1e-6]
    if found is None:
        assert covered == []
        return
    assert saving(found * (1 + 1e-9) + 1e-6) >= amortised - 1e-6
    assert all(v >= found * (1 - 1e-9) for v in covered)
