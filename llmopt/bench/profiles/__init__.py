"""Load profiles, one per file, registered by `kind`: synchronous, concurrent, constant,
poisson (single stages) and sweep (stages chosen from measured rates)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, TypeAdapter, ValidationError

from llmopt.bench.profiles.base import LoadProfile, Stage
from llmopt.bench.profiles.concurrent import ConcurrentProfile
from llmopt.bench.profiles.constant import ConstantProfile
from llmopt.bench.profiles.poisson import PoissonProfile
from llmopt.bench.profiles.sweep import SweepProfile
from llmopt.bench.profiles.synchronous import SynchronousProfile
from llmopt.errors import ConfigError

PROFILES: dict[str, type[LoadProfile]] = {
    "synchronous": SynchronousProfile,
    "concurrent": ConcurrentProfile,
    "constant": ConstantProfile,
    "poisson": PoissonProfile,
    "sweep": SweepProfile,
}
"""Every profile class, by its `kind`."""

ProfileConfig = Annotated[
    SynchronousProfile | ConcurrentProfile | ConstantProfile | PoissonProfile | SweepProfile,
    Field(discriminator="kind"),
]
"""A profile as configuration data: the `kind` field picks the class."""

_ADAPTER: TypeAdapter[LoadProfile] = TypeAdapter(ProfileConfig)


def profile_from(data: dict[str, Any] | LoadProfile) -> LoadProfile:
    """A profile from config data; ConfigError naming a bad kind or value."""
    if isinstance(data, LoadProfile):
        return data
    kind = data.get("kind")
    if kind not in PROFILES:
        raise ConfigError(f"unknown profile kind {kind!r}; valid: {', '.join(PROFILES)}")
    try:
        return _ADAPTER.validate_python(data)
    except ValidationError as error:
        raise ConfigError(f"bad {kind} profile: {explain(error)}") from None


def explain(error: ValidationError) -> str:
    """Pydantic's errors on one line each: `field: message (got value)`."""
    parts = []
    for e in error.errors():
        where = ".".join(str(p) for p in e["loc"][1:]) or "profile"
        got = f" (got {e['input']!r})" if len(e["loc"]) > 1 else ""
        parts.append(f"{where}: {e['msg']}{got}")
    return "; ".join(parts)


__all__ = [
    "PROFILES",
    "ConcurrentProfile",
    "ConstantProfile",
    "LoadProfile",
    "PoissonProfile",
    "ProfileConfig",
    "Stage",
    "SweepProfile",
    "SynchronousProfile",
    "profile_from",
]
