"""Interleaved rounds against a scripted loopback server (the order and the bookkeeping)."""

from __future__ import annotations

import json

import pytest

from llmopt.bench import Arm, interleaved
from llmopt.bench.interleave import rounds_of
from llmopt.demo.generator import generate
from llmopt.errors import ConfigError

from .conftest import endpoint_for
from .fake_server import Answer, FakeServer


def test_rounds_rotate_the_settings_and_split_the_requests(items) -> None:
    arms = {name: Arm(None, items[:5]) for name in "abc"}
    plan = [(name, r, [i.id for i in chunk]) for name, r, chunk in rounds_of(arms, rounds=2)]
    ids = [i.id for i in items[:5]]
    assert [(name, r) for name, r, _ in plan] == [("a", 0), ("b", 0), ("c", 0),
                                                  ("b", 1), ("c", 1), ("a", 1)]
    assert plan[0][2] == ids[0::2] and plan[3][2] == ids[1::2]
    with pytest.raises(ConfigError, match="rounds must be >= 1"):
        rounds_of(arms, rounds=0)


def test_every_setting_gets_every_request_after_a_warm_up(tmp_path, items) -> None:
    by_user = {item.user: item for item in items}
    seen: list[str] = []

    def plan(body, n):
        item = by_user[body["messages"][1]["content"]]
        seen.append(item.id)
        return Answer(pieces=(json.dumps(item.reference),))

    warmup = items[-2:]
    measured = items[:6]
    with FakeServer(plan) as server:
        arms = {"x": Arm(endpoint_for(server), measured), "y": Arm(endpoint_for(server), measured)}
        got = interleaved(arms, concurrency=2, rounds=3, warmup=warmup, results_dir=tmp_path)
    assert sorted(seen[:4]) == sorted([i.id for i in warmup] * 2)  # both arms warmed up first
    for name in "xy":
        frame = got[name].frame()
        assert sorted(frame["id"]) == sorted(i.id for i in measured) and frame["correct"].all()
        assert len(list(tmp_path.glob(f"{name}-round?.jsonl"))) == 3


def test_a_warm_up_is_required(tmp_path) -> None:
    with pytest.raises(ConfigError, match="warm-up"):
        interleaved({"x": Arm(None, generate(2))}, warmup=[], results_dir=tmp_path)
