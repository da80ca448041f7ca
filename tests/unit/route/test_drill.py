from __future__ import annotations

import threading

from llmopt.demo.generator import generate
from llmopt.route.drill import KillAfter, attempts_frame, drill_summary, run_routed
from llmopt.route.scorers import HeuristicConfig, HeuristicScorer
from tests.unit.route.fakes import Scripted, refused

ALWAYS_STRONG = HeuristicScorer(HeuristicConfig(long_chars=1, keyword_weight=0,
                                                structure_weight=0))


def test_kill_after_n_calls_then_every_request_is_answered(make_router):
    items = generate(8, seed=0)
    large = Scripted(name="large", text="large answer", script=[None, None] + [refused()] * 20)
    router = make_router(large=large, scorer=ALWAYS_STRONG, thresholds=[0.5])
    stopped = threading.Event()
    killer = KillAfter(2, "demo:large", stopped.set)
    runs = run_routed(router, items, concurrency=1, callbacks=[killer])
    assert killer.stopped.wait(10) and stopped.is_set()
    summary = drill_summary(runs, attempts_frame(router))
    assert summary["answered"] == 8 and summary["fell_back"] >= 1
    assert summary["errors_connection"] == summary["failed_attempts"]
