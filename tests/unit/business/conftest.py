"""A two-GPU catalog at round prices and money inputs whose costs work out by hand.

A replica of one GPU at $1/h running 24 h costs 24 * 365/12 = $730 a month. The API charges
$2 input, $0.50 cached input and $8 output per 1M tokens; the baseline's request (1,000 prompt
tokens, 400 cached, 100 output) costs (600*2 + 400*0.5 + 100*8)/1e6 = $0.0022.
"""

from __future__ import annotations

from datetime import date

import pytest

from llmopt.business import ApiPrices, Measured, MoneyInputs, Throughput, Tokens
from llmopt.business.money import SECONDS_PER_MONTH
from llmopt.pricing import Gpu, GpuCatalog

REPLICA_MONTH = 730.0
MEAN_ONE_PER_S = SECONDS_PER_MONTH
"""Requests a month at a mean of one request per second (2,628,000)."""


@pytest.fixture
def catalog() -> GpuCatalog:
    made = date(2026, 1, 1)
    return GpuCatalog(gpus=[
        Gpu(name="T-GPU", memory_gib=24, on_demand_usd_per_hour=1.0, spot_usd_per_hour=0.5,
            as_of=made, source="test catalog"),
        Gpu(name="NoSpot", memory_gib=24, on_demand_usd_per_hour=2.0, as_of=made,
            source="test catalog"),
    ])


@pytest.fixture
def api() -> ApiPrices:
    return ApiPrices(model="test-model", input_usd_per_million=2.0,
                     cached_input_usd_per_million=0.5, output_usd_per_million=8.0,
                     source="test prices")


@pytest.fixture
def before() -> Measured:
    return Measured(tokens=Tokens(input=1000, cached_input=400, output=100),
                    throughput=Throughput(requests_per_s=1.0))


@pytest.fixture
def after() -> Measured:
    """Half the output tokens ($0.0018 a request) and twice the throughput."""
    return Measured(tokens=Tokens(input=1000, cached_input=400, output=50),
                    throughput=Throughput(requests_per_s=2.0))


@pytest.fixture
def inputs(api: ApiPrices, before: Measured, after: Measured) -> MoneyInputs:
    """A mean of 1 request/s peaking at 2, replicas loaded to half their throughput at the
    peak, the one-off cost at its defaults ($8,000)."""
    return MoneyInputs(traffic={"requests_per_month": MEAN_ONE_PER_S, "peak_to_mean": 2.0},
                       api=api, before=before, after=after,
                       fleet={"gpu": "T-GPU", "target_utilization": 0.5})
