"""`run` end to end against a scripted loopback server (the client's paths, not a model's)."""

from __future__ import annotations

import asyncio
import json
import signal
import time

import pytest

from llmopt.bench import (
    BenchResult,
    ConcurrentProfile,
    ConstantProfile,
    Endpoint,
    SweepProfile,
    SynchronousProfile,
    run,
)
from llmopt.bench.runner import _sigint_noted, env_proxy
from llmopt.errors import ConfigError, ServerError
from llmopt.pricing import price_for

from .conftest import FAST_RETRY, endpoint_for
from .fake_server import Answer, FakeServer

PRICE = price_for("demo:large")


def answering(items, piece_delay_s: float = 0.0):
    """A plan that answers each item with its reference answer."""
    by_user = {item.user: item for item in items}

    def plan(body, n):
        reference = by_user[body["messages"][1]["content"]].reference
        text = json.dumps(reference)
        return Answer(pieces=(text[:5], text[5:]), piece_delay_s=piece_delay_s)

    return plan


def sent_ids(fake: FakeServer, items) -> list[str]:
    by_user = {item.user: item.id for item in items}
    return [by_user[body["messages"][1]["content"]] for body in fake.bodies]


class Interrupted(Exception):
    pass


def test_records_are_graded_priced_and_persisted(tmp_path, items) -> None:
    path = tmp_path / "results.jsonl"
    seen = []
    with FakeServer(answering(items)) as fake:
        result = run(endpoint_for(fake), items, ConcurrentProfile(concurrency=3, max_requests=12),
                     price=PRICE, results_path=path, progress=False, on_record=seen.append)
    assert len(result.records) == 12 == len(seen) and result.path == path
    assert all(r.ok and r.correct and r.cost_usd > 0 for r in result.records)
    assert all(r.fields_ok == dict.fromkeys(r.fields_ok, True) for r in result.records)
    assert BenchResult.load(path).records == result.records
    row = result.summary().iloc[0]
    assert (row["stage"], row["requests"], row["ok"], row["accuracy"]) == ("concurrent@3", 12,
                                                                          12, 1.0)


def test_interrupted_run_resumes_without_resending_or_losing(tmp_path, items) -> None:
    path = tmp_path / "results.jsonl"
    profile = SynchronousProfile(max_requests=12)

    def interrupt_after_four(record) -> None:
        if len(BenchResult.load(path).records) == 4:
            raise Interrupted

    with FakeServer(answering(items)) as fake:
        with pytest.raises(Interrupted):
            run(endpoint_for(fake), items, profile, results_path=path, progress=False,
                on_record=interrupt_after_four)
        assert len(BenchResult.load(path).records) == 4
        result = run(endpoint_for(fake), items, profile, results_path=path, progress=False)
        assert sorted(sent_ids(fake, items)) == sorted(item.id for item in items)  # each once
    assert sorted(r.id for r in result.records) == sorted(item.id for item in items)
    assert len({r.session for r in result.records}) == 2
    assert result.summary().iloc[0]["requests"] == 12


def test_one_stream_sends_the_next_request_before_keeping_the_last_record(tmp_path,
                                                                          items) -> None:
    """The record's bookkeeping waits until the next request's answer is under way: when the
    server takes request n, records 0..n-2 are on disk and record n-1 is not yet."""
    path = tmp_path / "results.jsonl"
    on_disk: list[int] = []
    answer = answering(items)

    def plan(body, n):
        on_disk.append(len(path.read_text().splitlines()))
        return answer(body, n)

    with FakeServer(plan) as fake:
        result = run(endpoint_for(fake), items, SynchronousProfile(max_requests=6),
                     results_path=path, progress=False)
    assert on_disk == [0, 0, 1, 2, 3, 4]
    assert len(BenchResult.load(path).records) == len(result.records) == 6


def test_resume_of_a_finished_run_sends_nothing(tmp_path, items) -> None:
    path = tmp_path / "results.jsonl"
    profile = SweepProfile(rates=2, saturation_concurrency=4, max_requests=4)
    with FakeServer(answering(items)) as fake:
        first = run(endpoint_for(fake), items, profile, results_path=path, progress=False)
        sent = len(fake.bodies)
        again = run(endpoint_for(fake), items, profile, results_path=path, progress=False)
        assert len(fake.bodies) == sent == 16
    assert list(again.summary()["stage"]) == list(first.summary()["stage"])
    assert len(again.summary()) == 4


def test_early_stop_sends_nothing_more_and_counts_waste(items) -> None:
    with FakeServer(answering(items, piece_delay_s=0.02)) as fake:
        result = run(endpoint_for(fake), items, ConcurrentProfile(concurrency=3, max_requests=12),
                     stop_after_ok=5, progress=False)
        assert len(fake.bodies) == len(result.records)
    wasted = [r for r in result.records if r.wasted]
    assert sum(r.ok and not r.wasted for r in result.records) == 5
    assert len(wasted) <= 2 and len(result.records) == 5 + len(wasted)
    assert result.summary().iloc[0]["wasted"] == len(wasted)
    assert result.stages[0].wasted == len(wasted)


def test_early_stop_synchronous_wastes_nothing(items) -> None:
    with FakeServer(answering(items)) as fake:
        result = run(endpoint_for(fake), items, SynchronousProfile(max_requests=12),
                     stop_after_ok=3, progress=False)
        assert len(fake.bodies) == 3
    assert [r.wasted for r in result.records] == [False] * 3


def test_warmup_is_recorded_and_left_out(items) -> None:
    with FakeServer(answering(items)) as fake:
        result = run(endpoint_for(fake), items, SynchronousProfile(max_requests=5, warmup=2),
                     stop_after_ok=2, progress=False)
    assert [r.warmup for r in result.records] == [True, True, False, False]
    row = result.summary().iloc[0]
    assert (row["requests"], row["warmup"]) == (2, 2)


def test_failed_requests_are_recorded_and_priced(items) -> None:
    with FakeServer(lambda body, n: Answer(status=500, error="engine died")) as fake:
        result = run(endpoint_for(fake), items, SynchronousProfile(max_requests=2), price=PRICE,
                     progress=False)
        assert len(fake.bodies) == 6  # 2 requests x 3 attempts
    for record in result.records:
        assert (record.status, record.attempts, record.correct) == ("http_500", 3, False)
        assert "engine died" in record.error and record.usage_source == "client"
        assert record.cost_usd == pytest.approx(record.prompt_tokens * PRICE.input / 1e6)
    row = result.summary().iloc[0]
    assert (row["ok"], row["failed"], row["accuracy"]) == (0, 2, 0.0) and row["cost_usd"] > 0
    assert "no measured request succeeded" in result.notes[0]


def test_rate_limits_and_retries_are_counted_on_records_and_in_the_summary(items) -> None:
    """Every item is refused once: 429 with a Retry-After (even ones) or 503 (odd ones)."""
    answer, seen = answering(items), set()

    def plan(body, n):
        user = body["messages"][1]["content"]
        if user in seen:
            return answer(body, n)
        seen.add(user)
        busy = [item.user for item in items].index(user) % 2
        return Answer(status=503) if busy else Answer(status=429, headers={"Retry-After": "0"})

    with FakeServer(plan) as fake:
        result = run(endpoint_for(fake), items, ConcurrentProfile(concurrency=3, max_requests=8),
                     progress=False)
    assert all(r.ok and r.attempts == 2 for r in result.records)
    assert sorted(r.rate_limited for r in result.records) == [0] * 4 + [1] * 4
    row = result.headline().iloc[0]
    assert (row["ok"], row["rate_limited"], result.summary().iloc[0]["retries"]) == (8, 4, 8)


def test_the_baseline_on_the_api_profile_resumes_instead_of_sending_again(tmp_path,
                                                                          items) -> None:
    """Notebook 01 runs its sweep with the profile's `existing_results`: on the api profile, a
    run interrupted mid-sweep and run again sends only what has no record (the kept requests
    are not sent again; those in flight at the interrupt had no answer yet and are)."""
    from llmopt.profile import Profile
    from llmopt.settings import REPO_ROOT

    api = Profile.load(REPO_ROOT / "cookbook/profiles/api.yaml")
    notebook = (REPO_ROOT / "cookbook/01_baseline.ipynb").read_text()
    assert "existing=pilot.existing_results" in notebook
    path, sweep = tmp_path / "01_baseline.jsonl", SweepProfile(rates=2, saturation_concurrency=4,
                                                               max_requests=4)

    def interrupt_in_the_second_stage(record) -> None:
        if len(BenchResult.load(path).records) == 6:
            raise Interrupted

    with FakeServer(answering(items)) as fake:
        with pytest.raises(Interrupted):
            run(endpoint_for(fake), items, sweep, results_path=path, progress=False,
                existing=api.existing_results, on_record=interrupt_in_the_second_stage)
        kept = BenchResult.load(path).records  # 6, and any that finished as it unwound
        result = run(endpoint_for(fake), items, sweep, results_path=path, progress=False,
                     existing=api.existing_results)
        sent = len(fake.bodies)
        run(endpoint_for(fake), items, sweep, results_path=path, progress=False,
            existing=api.existing_results)
        assert len(fake.bodies) == sent, "a finished run sends nothing"
    # The kept records come back as they were, and only the rest were answered again.
    assert len(kept) >= 6 and all(record in result.records for record in kept)
    assert len(result.records) == 16
    assert len({(r.stage, r.id) for r in result.records}) == 16  # each once per stage
    # Sent in all: the kept ones, at most 4 in flight at the interrupt (no answer, so sent
    # again), and the rest once; sending everything again would be at least 6 + 16 = 22.
    assert sent <= len(kept) + 4 + (16 - len(kept))


def test_wrong_model_keeps_the_servers_message(items) -> None:
    message = "The model `nope` does not exist."
    with FakeServer(lambda body, n: Answer(status=404, error=message)) as fake:
        result = run(endpoint_for(fake, model="nope"), items, SynchronousProfile(max_requests=1),
                     progress=False)
        assert len(fake.bodies) == 1
    assert result.records[0].status == "http_404" and message in result.records[0].error


def test_unreachable_endpoint_stops_with_a_clear_error(tmp_path, items) -> None:
    endpoint = Endpoint(base_url="http://127.0.0.1:9/v1", model="m", retry=FAST_RETRY)
    path = tmp_path / "results.jsonl"
    with pytest.raises(ServerError, match="cannot connect to http://127.0.0.1:9/v1"):
        run(endpoint, items, ConcurrentProfile(concurrency=2, max_requests=12),
            results_path=path, progress=False)
    records = BenchResult.load(path).records
    assert 1 <= len(records) <= 2 and all(r.status == "error" for r in records)


def test_metrics_url_gives_the_token_check(items) -> None:
    with FakeServer(answering(items)) as fake:
        result = run(endpoint_for(fake), items, ConcurrentProfile(concurrency=4, max_requests=8),
                     server=fake.metrics_url, progress=False)
    assert result.stages[0].metrics.request_success == 8
    row = result.summary().iloc[0]
    assert (row["prompt_tokens_diff"], row["output_tokens_diff"]) == (0, 0)
    assert row["server_prompt_tokens"] == 8 * 11


def test_unreadable_metrics_url_fails_before_sending(items) -> None:
    with FakeServer() as fake, pytest.raises(ServerError, match="/metrics"):
        run(endpoint_for(fake), items, SynchronousProfile(max_requests=2),
            server="http://127.0.0.1:9/metrics", progress=False)
    assert fake.bodies == []


def test_open_loop_sends_on_schedule(items) -> None:
    with FakeServer(answering(items)) as fake:
        result = run(endpoint_for(fake), items, ConstantProfile(rate=20.0, max_requests=6),
                     progress=False)
    records = sorted(result.records, key=lambda r: r.scheduled_s)
    gaps = [b.scheduled_s - a.scheduled_s for a, b in zip(records, records[1:], strict=False)]
    assert gaps == pytest.approx([0.05] * 5, abs=1e-6)
    # never sent before its time, and sent in order (how late depends on the machine's load)
    assert all(r.start_s >= r.scheduled_s - 0.005 for r in records)
    assert [r.start_s for r in records] == sorted(r.start_s for r in records)
    assert all(r.target_rate == 20.0 and r.concurrency is None for r in records)


def test_max_seconds_bounds_a_stage(items) -> None:
    with FakeServer(answering(items, piece_delay_s=0.05)) as fake:
        result = run(endpoint_for(fake), items, SynchronousProfile(max_seconds=0.25),
                     progress=False)
    assert 2 <= len(result.records) <= 4


def test_runs_inside_a_running_event_loop(items) -> None:
    async def notebook_cell():
        return run(endpoint_for(fake), items, SynchronousProfile(max_requests=2), progress=False)

    with FakeServer(answering(items)) as fake:
        result = asyncio.run(notebook_cell())
    assert len(result.records) == 2


def test_missing_api_key_fails_before_sending(items, monkeypatch) -> None:
    monkeypatch.delenv("BENCH_NO_KEY", raising=False)
    with FakeServer() as fake, pytest.raises(ConfigError, match="BENCH_NO_KEY"):
        run(endpoint_for(fake, api_key_env="BENCH_NO_KEY"), items,
            SynchronousProfile(max_requests=1), progress=False)
    assert fake.bodies == []


def test_bad_inputs(items) -> None:
    endpoint = Endpoint(base_url="http://127.0.0.1:9/v1", model="m")
    with pytest.raises(ConfigError, match="no items"):
        run(endpoint, [], SynchronousProfile(max_requests=1), progress=False)
    with pytest.raises(ConfigError, match="unique"):
        run(endpoint, [items[0], items[0]], SynchronousProfile(max_requests=1), progress=False)
    with pytest.raises(ConfigError, match="stop_after_ok"):
        run(endpoint, items, SynchronousProfile(max_requests=1), stop_after_ok=0,
            progress=False)
    with pytest.raises(ConfigError, match="rate"):
        run(endpoint, items, {"kind": "poisson", "rate": -1, "max_requests": 2}, progress=False)


def test_items_without_reference_are_not_graded(items) -> None:
    bare = [item.model_copy(update={"reference": None}) for item in items[:2]]
    with FakeServer() as fake:
        result = run(endpoint_for(fake), bare, SynchronousProfile(max_requests=2),
                     progress=False)
    assert [r.correct for r in result.records] == [None, None]
    assert result.summary().iloc[0]["accuracy"] != result.summary().iloc[0]["accuracy"]  # NaN


@pytest.fixture
def sigint_default():
    """SIGINT as a Jupyter kernel (or a shell in the foreground) has it: Python's own handler.
    A shell's background job starts Python with SIGINT ignored (POSIX), and then an interrupt,
    `interrupt_main` included, does nothing at all: these tests would fail for the shell's sake."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.mark.usefixtures("sigint_default")
def test_interrupting_a_notebook_run_cancels_it(tmp_path, items) -> None:
    import _thread
    import threading

    path = tmp_path / "results.jsonl"

    async def notebook_cell():
        return run(endpoint_for(fake), items, SynchronousProfile(max_requests=12),
                   results_path=path, progress=False)

    def interrupt_once_a_request_is_out() -> None:  # mid-run however loaded the machine is
        while not fake.bodies:
            time.sleep(0.01)
        _thread.interrupt_main()

    with FakeServer(answering(items, piece_delay_s=0.2)) as fake:
        timer = threading.Thread(target=interrupt_once_a_request_is_out)
        timer.start()
        loop = asyncio.new_event_loop()  # like a kernel's loop: no SIGINT handler of its own
        try:
            with pytest.raises(KeyboardInterrupt):
                loop.run_until_complete(notebook_cell())
        finally:  # a failure here must not leak the loop into the next test
            loop.close()
            timer.join()
        sent = len(fake.bodies)
        asyncio.run(asyncio.sleep(0.3))
        assert len(fake.bodies) == sent < 12  # nothing goes on in the background
    assert len(BenchResult.load(path).records) in (sent - 1, sent)


@pytest.mark.usefixtures("sigint_default")
def test_an_interrupt_landing_in_a_finalizer_is_noted_not_lost() -> None:
    """Python's own handler would raise inside `__del__`, where the exception is only printed
    ("Exception ignored") and the run goes on; the waiting run's handler notes it instead."""
    import _thread

    class InterruptsWhileFinalized:
        def __del__(self) -> None:
            _thread.interrupt_main()
            for _ in range(1000):  # bytecode after the signal: the handler runs in here
                pass

    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    with _sigint_noted() as interrupted:
        InterruptsWhileFinalized()  # dropped at once: finalized in this (the main) thread
        assert interrupted == [signal.SIGINT]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_the_environments_proxy_applies_unless_no_proxy_names_the_host(monkeypatch) -> None:
    for name in ("http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    assert env_proxy("https://api.example.com/v1/chat/completions") is None
    monkeypatch.setenv("https_proxy", "http://proxy.corp:3128")
    monkeypatch.setenv("no_proxy", "localhost,127.0.0.1")
    assert env_proxy("https://api.example.com/v1/chat/completions") == "http://proxy.corp:3128"
    assert env_proxy("http://127.0.0.1:8000/v1/completions") is None
