import pytest

from llmopt.errors import ConfigError
from llmopt.pricing.gpus import PACKAGED_CATALOG, GpuCatalog

EXPECTED = {"H100-80GB-SXM", "H200-141GB", "A100-80GB", "A100-40GB", "L40S-48GB", "L4-24GB",
            "A10G-24GB", "RTX-4090-24GB"}


def test_packaged_catalog_loads_with_sane_prices() -> None:
    catalog = GpuCatalog.load()
    assert set(catalog.names) == EXPECTED
    assert "estimate" in catalog.note
    for gpu in catalog.gpus:
        assert gpu.on_demand_usd_per_hour > 0 and gpu.memory_gib > 0
        assert gpu.spot_usd_per_hour is None or gpu.spot_usd_per_hour < gpu.on_demand_usd_per_hour
        assert "estimate" in gpu.source


def test_packaged_file_ships_with_the_package() -> None:
    assert PACKAGED_CATALOG.is_file()


def test_get_is_case_insensitive() -> None:
    gpu = GpuCatalog.load().get("h100-80gb-sxm")
    assert gpu.name == "H100-80GB-SXM" and gpu.memory_gib == 80


def test_bad_name_lists_the_valid_names() -> None:
    with pytest.raises(ConfigError, match="'H100'.*H100-80GB-SXM"):
        GpuCatalog.load().get("H100")


def test_spot_price_where_there_is_none_is_an_error() -> None:
    catalog = GpuCatalog.load()
    gpu = catalog.get("L4-24GB").model_copy(update={"spot_usd_per_hour": None})
    assert gpu.usd_per_hour() == 0.71
    with pytest.raises(ConfigError, match="L4-24GB"):
        gpu.usd_per_hour(spot=True)


USER_GPUS = """
note: my quotes
{mode}
gpus:
  - {{name: h100-80gb-sxm, memory_gib: 80, on_demand_usd_per_hour: 1.99, as_of: 2026-11-01,
      source: our contract}}
  - {{name: B200-180GB, memory_gib: 180, on_demand_usd_per_hour: 5.5, spot_usd_per_hour: 3.0,
      as_of: 2026-11-01, source: quote}}
"""


def test_user_file_extends_and_overrides(tmp_path) -> None:
    path = tmp_path / "gpus.yaml"
    path.write_text(USER_GPUS.format(mode=""))
    catalog = GpuCatalog.load(path)
    assert set(catalog.names) == EXPECTED - {"H100-80GB-SXM"} | {"h100-80gb-sxm", "B200-180GB"}
    assert catalog.get("H100-80GB-SXM").on_demand_usd_per_hour == 1.99
    assert catalog.get("A100-80GB").on_demand_usd_per_hour == 1.49
    assert "my quotes" in catalog.note


def test_user_file_can_replace(tmp_path) -> None:
    path = tmp_path / "gpus.yaml"
    path.write_text(USER_GPUS.format(mode="mode: replace"))
    assert GpuCatalog.load(path).names == ["h100-80gb-sxm", "B200-180GB"]


def test_duplicate_names_are_rejected(tmp_path) -> None:
    path = tmp_path / "gpus.yaml"
    path.write_text(USER_GPUS.format(mode="").replace("B200-180GB", "H100-80GB-sxm"))
    with pytest.raises(ConfigError, match="listed twice: h100-80gb-sxm"):
        GpuCatalog.load(path)


def test_negative_price_names_the_field(tmp_path) -> None:
    path = tmp_path / "gpus.yaml"
    path.write_text(USER_GPUS.format(mode="").replace("1.99", "-1"))
    with pytest.raises(ConfigError, match="on_demand_usd_per_hour"):
        GpuCatalog.load(path)


def test_missing_file_names_the_path(tmp_path) -> None:
    with pytest.raises(ConfigError, match="missing.yaml"):
        GpuCatalog.load(tmp_path / "missing.yaml")


def test_to_frame_has_one_row_per_gpu() -> None:
    frame = GpuCatalog.load().to_frame()
    assert len(frame) == len(EXPECTED)
    assert {"name", "memory_gib", "on_demand_usd_per_hour", "spot_usd_per_hour"} <= set(frame)


def test_catalog_round_trips_through_yaml(tmp_path) -> None:
    catalog = GpuCatalog.load()
    saved = catalog.save(tmp_path / "mine.yaml")
    assert GpuCatalog.load(saved).gpus == catalog.gpus


def test_packaged_gpus_state_usable_memory_and_compute_capability() -> None:
    for gpu in GpuCatalog.load().gpus:
        assert 0.9 * gpu.memory_gib < gpu.total_memory_gib <= gpu.memory_gib, gpu.name
        assert gpu.compute_capability in (8.0, 8.6, 8.9, 9.0), gpu.name
    bare = GpuCatalog.load().get("L4-24GB").model_copy(update={"usable_memory_gib": None})
    assert bare.total_memory_gib == 24
