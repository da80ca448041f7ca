import numpy as np
import pytest

from llmopt.cache.index import GROWTH, VectorIndex
from llmopt.errors import ConfigError

RNG = np.random.default_rng(0)


def unit(n: int, d: int = 64) -> np.ndarray:
    v = RNG.standard_normal((n, d)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def near(v: np.ndarray, noise: float = 0.05) -> np.ndarray:
    q = v + noise * RNG.standard_normal(v.shape).astype(np.float32)
    return q / np.linalg.norm(q, axis=1, keepdims=True)


def test_it_turns_approximate_past_the_size_and_keeps_every_id():
    v = unit(3000)
    index = VectorIndex(64, approximate_above=1000)
    assert list(index.add(v[:1000])) == list(range(1000)) and index.kind == "exact"
    index.add(v[1000:])
    assert index.kind.startswith("ivf") and index.built_on == 3000 and index.ntotal == 3000
    picks = RNG.choice(3000, 200, replace=False)
    _, ids = index.search(near(v[picks]), 1)
    assert (ids[:, 0] == picks).mean() >= 0.99  # recall of the exact nearest neighbour


def test_it_is_rebuilt_as_it_grows():
    index = VectorIndex(64, approximate_above=500)
    index.add(unit(600))
    first = index.nlist
    index.add(unit(GROWTH * 600))
    assert index.built_on == (GROWTH + 1) * 600 and index.nlist > first


@pytest.mark.parametrize("approximate_above", [10_000, 500])
def test_a_removed_row_is_never_found_again(approximate_above):
    v = unit(2000)
    index = VectorIndex(64, approximate_above=approximate_above)
    index.add(v)
    index.remove([7, 7, 1999, 5000, -1])  # repeated and unknown ids are ignored
    _, ids = index.search(v[[7, 1999, 8]], 1)
    assert ids[0, 0] != 7 and ids[1, 0] != 1999 and ids[2, 0] == 8
    assert index.live == 1998
    index.add(unit(GROWTH * 2000))  # a rebuild keeps removed rows out
    assert 7 not in index.search(v[[7]], 10)[1][0]


def test_bad_settings_are_named():
    with pytest.raises(ConfigError, match="nprobe >= 1"):
        VectorIndex(64, nprobe=0)
    with pytest.raises(ConfigError, match="d >= 1"):
        VectorIndex(0)
