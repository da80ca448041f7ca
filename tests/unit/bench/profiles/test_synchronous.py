from llmopt.bench import SynchronousProfile


def test_one_request_at_a_time_closed_loop() -> None:
    profile = SynchronousProfile(max_requests=3)
    assert (profile.label, profile.slots(), profile.arrivals(3)) == ("synchronous", 1, None)
