"""Load profiles, one per file, registered by `kind`: synchronous, concurrent, constant,
poisson (single stages) and sweep (stages chosen from measured rates)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from llmopt.bench.profiles.base import LoadProfile, Stage
from llmopt.bench.profiles.concurrent import ConcurrentProfile
from llmopt.bench.profiles.constant import ConstantProfile
from llmopt.bench.profiles.poisson import PoissonProfile
from llmopt.bench.profiles.sweep import SweepProfile
from llmopt.bench.profiles.synchronous import SynchronousProfile
from llmopt.config import Tagged

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

_FAMILY: Tagged[LoadProfile] = Tagged("profile", "kind", PROFILES)


def profile_from(data: dict[str, Any] | LoadProfile) -> LoadProfile:
    """A profile from config data; ConfigError naming a bad kind or value."""
    if isinstance(data, LoadProfile):
        return data
    return _FAMILY.validate(data)


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
