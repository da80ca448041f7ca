import pytest
import yaml

from llmopt.bench import PROFILES, LoadProfile, profile_from
from llmopt.errors import ConfigError

EXAMPLES = {
    "synchronous": {"max_requests": 5},
    "concurrent": {"concurrency": 4, "max_seconds": 10.0},
    "constant": {"rate": 2.5, "max_requests": 5, "warmup": 1},
    "poisson": {"rate": 2.5, "seed": 3, "max_requests": 5},
    "sweep": {"rates": 3, "max_requests": 5, "arrivals": "poisson"},
}


@pytest.mark.parametrize("kind", sorted(PROFILES))
def test_every_kind_round_trips_through_yaml(kind) -> None:
    profile = profile_from({"kind": kind, **EXAMPLES[kind]})
    assert isinstance(profile, PROFILES[kind]) and profile.kind == kind
    assert profile_from(yaml.safe_load(yaml.safe_dump(profile.model_dump()))) == profile


def test_unknown_kind_lists_the_valid_ones() -> None:
    with pytest.raises(ConfigError, match="unknown profile kind 'ramp'; valid: synchronous"):
        profile_from({"kind": "ramp", "max_requests": 3})


@pytest.mark.parametrize(("data", "message"), [
    ({"kind": "constant", "rate": 0, "max_requests": 3}, r"rate: .*greater than 0 \(got 0\)"),
    ({"kind": "poisson", "rate": -2, "max_requests": 3}, r"rate: .*\(got -2\)"),
    ({"kind": "concurrent", "concurrency": 0, "max_requests": 3}, r"concurrency: .*\(got 0\)"),
    ({"kind": "constant", "rate": 1}, "max_requests and/or max_seconds"),
])
def test_bad_values_are_config_errors_naming_them(data, message) -> None:
    with pytest.raises(ConfigError, match=message):
        profile_from(data)


def test_a_profile_object_passes_through() -> None:
    profile = profile_from({"kind": "synchronous", "max_requests": 2})
    assert profile_from(profile) is profile and isinstance(profile, LoadProfile)
