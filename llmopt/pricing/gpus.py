"""A GPU rental catalog: memory and $/GPU-hour per GPU type, shipped as editable estimates."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from llmopt.errors import ConfigError
from llmopt.pricing._inputs import read_yaml, unknown, validate

PACKAGED_CATALOG = Path(__file__).parent / "data" / "gpus.yaml"


class Gpu(BaseModel):
    """One rentable GPU type; prices are per GPU-hour."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    memory_gib: float = Field(gt=0)
    on_demand_usd_per_hour: float = Field(gt=0)
    spot_usd_per_hour: float | None = Field(default=None, gt=0)
    as_of: date
    source: str
    usable_memory_gib: float | None = Field(default=None, gt=0)
    """Memory as CUDA reports it (a little under the nominal size); None: `memory_gib`."""
    compute_capability: float | None = Field(default=None, gt=0)
    """NVIDIA compute capability (e.g. 9.0 for Hopper): which quantized kernels run fast."""

    @property
    def total_memory_gib(self) -> float:
        """The memory vLLM's gpu_memory_utilization is a share of."""
        return self.usable_memory_gib or self.memory_gib

    def usd_per_hour(self, spot: bool = False) -> float:
        """The on-demand price, or the spot price (ConfigError where there is none)."""
        if not spot:
            return self.on_demand_usd_per_hour
        if self.spot_usd_per_hour is None:
            raise ConfigError(f"GPU {self.name!r} has no spot price in the catalog")
        return self.spot_usd_per_hour


class GpuCatalog(BaseModel):
    """GPU types by name. A user file either extends the packaged one or replaces it."""

    model_config = ConfigDict(extra="forbid")

    note: str = ""
    mode: Literal["extend", "replace"] = "extend"
    """For a user file: `extend` adds to (and overrides) the packaged GPUs, `replace` drops them."""
    gpus: list[Gpu]

    @model_validator(mode="after")
    def _unique_names(self) -> GpuCatalog:
        names = [gpu.name.lower() for gpu in self.gpus]
        if twice := sorted({n for n in names if names.count(n) > 1}):
            raise ValueError(f"GPU names listed twice: {', '.join(twice)}")
        return self

    @classmethod
    def load(cls, path: str | Path | None = None) -> GpuCatalog:
        """The packaged catalog, extended or replaced by the user file at `path`."""
        packaged = cls._read(PACKAGED_CATALOG)
        if path is None:
            return packaged
        user = cls._read(path)
        return user if user.mode == "replace" else packaged.extended(user, path)

    @classmethod
    def _read(cls, path: str | Path) -> GpuCatalog:
        return validate(cls, read_yaml(path, "GPU catalog"), path)

    def extended(self, other: GpuCatalog, path: str | Path) -> GpuCatalog:
        """This catalog with `other`'s GPUs added; a GPU of the same name is replaced."""
        theirs = {gpu.name.lower() for gpu in other.gpus}
        kept = [gpu for gpu in self.gpus if gpu.name.lower() not in theirs]
        note = f"{self.note}; extended by {path}" + (f": {other.note}" if other.note else "")
        return GpuCatalog(note=note, gpus=kept + other.gpus)

    @property
    def names(self) -> list[str]:
        return [gpu.name for gpu in self.gpus]

    def get(self, name: str) -> Gpu:
        """The GPU called `name` (case-insensitive); ConfigError listing the names otherwise."""
        for gpu in self.gpus:
            if gpu.name.lower() == name.strip().lower():
                return gpu
        raise unknown("GPU", name, self.names)

    def save(self, path: str | Path) -> Path:
        """Write the catalog as YAML: a starting point for a user's own catalog file."""
        path = Path(path)
        path.write_text(yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False))
        return path

    def to_frame(self) -> pd.DataFrame:
        """One row per GPU, for display."""
        return pd.DataFrame([gpu.model_dump() for gpu in self.gpus])
