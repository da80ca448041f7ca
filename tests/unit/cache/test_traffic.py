from __future__ import annotations

from collections import Counter

import pytest

from llmopt.cache import traffic
from llmopt.errors import ConfigError


def test_sample_mixes_kinds_in_about_the_stated_shares() -> None:
    rows = traffic.sample(400, repeat_share=0.2, paraphrase_share=0.2, near_miss_share=0.2,
                          seed=1)
    kinds = Counter(k for k, _, _ in rows)
    assert rows[0][0] == "fresh" and set(kinds) == set(traffic.KINDS)
    assert all(50 < kinds[k] < 120 for k in ("repeat", "paraphrase", "near_miss"))
    by_id = {item.id: item for k, _, item in rows if k == "fresh"}
    for kind, src, item in rows:
        if kind == "repeat":
            assert item.user == by_id[src].user and item.reference == by_id[src].reference
        elif kind == "paraphrase":
            assert item.reference == by_id[src].reference
        elif kind == "near_miss":
            assert item.reference != by_id[src].reference


def test_sample_is_reproducible() -> None:
    kw = {"repeat_share": 0.3, "paraphrase_share": 0.1, "near_miss_share": 0.1, "seed": 4}
    assert traffic.sample(30, **kw) == traffic.sample(30, **kw)


@pytest.mark.parametrize(("kw", "match"), [
    ({"repeat_share": 1.5, "paraphrase_share": 0, "near_miss_share": 0}, "repeat_share"),
    ({"repeat_share": 0.5, "paraphrase_share": 0.3, "near_miss_share": 0.3}, "sum"),
])
def test_bad_shares_are_named(kw, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        traffic.sample(10, **kw)
