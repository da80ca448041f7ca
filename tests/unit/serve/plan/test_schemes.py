"""Weight schemes and KV dtypes."""

import pytest

from llmopt.errors import ConfigError
from llmopt.serve.plan.schemes import SCHEMES, kv_bytes, scheme


def test_smaller_schemes_store_fewer_bytes() -> None:
    sizes = [SCHEMES[n].bytes_per_weight for n in ["bf16", "fp8", "w4a16"]]
    assert sizes == sorted(sizes, reverse=True)
    assert SCHEMES["int8"].bytes_per_weight == SCHEMES["fp8"].bytes_per_weight == 1.0
    assert 0.5 < SCHEMES["w4a16"].bytes_per_weight < 0.53  # 4 bits + group-128 scales


def test_nf4_is_known_but_not_served_by_vllm() -> None:
    nf4 = scheme("nf4")
    assert not nf4.vllm_serves and "bitsandbytes" in nf4.why_not


def test_unknown_names_list_the_valid_ones() -> None:
    with pytest.raises(ConfigError, match="unknown weight scheme 'int3'; valid: bf16, fp16"):
        scheme("int3")
    with pytest.raises(ConfigError, match="unknown KV-cache dtype 'fp4'.*fp8_e5m2"):
        kv_bytes("fp4", 2)


def test_kv_bytes() -> None:
    assert kv_bytes("auto", 2) == 2 and kv_bytes("fp8", 2) == 1 and kv_bytes("fp8_e4m3", 2) == 1
