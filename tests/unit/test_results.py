import pandas as pd
import pytest

from llmopt import results
from llmopt.errors import ConfigError
from llmopt.profile import Profile
from llmopt.settings import REPO_ROOT

PROFILES = REPO_ROOT / "cookbook" / "profiles"


def test_dict_and_frame_round_trip(tmp_path):
    results.save(tmp_path, "a", {"x": 1})
    frame = pd.DataFrame({"model": ["large", "small"], "accuracy": [0.9, 0.5]})
    results.save(tmp_path, "b", frame)
    assert results.load(tmp_path, "a") == {"x": 1}
    pd.testing.assert_frame_equal(results.frame(tmp_path, "b"), frame)


def test_missing_result_lists_what_is_there(tmp_path):
    results.save(tmp_path, "00_demo_world", {"x": 1})
    with pytest.raises(ConfigError, match="have: 00_demo_world"):
        results.load(tmp_path, "01_baseline")


def test_a_result_made_with_another_profile_is_refused_not_mixed(tmp_path):
    demo = Profile.load(PROFILES / "demo.yaml")
    results.save(tmp_path, "05_kv", {"x": 1}, profile=demo)
    assert results.load(tmp_path, "05_kv", profile=demo)["x"] == 1

    other = demo.model_copy(update={"n_requests": 7})
    with pytest.raises(ConfigError, match=r"05_kv\.json .* profile 'demo' .* stale .* "
                                          r"run notebook 05_kv again"):
        results.load(tmp_path, "05_kv", profile=other)
    results.save(tmp_path, "06_spec", {"x": 1})  # saved by hand, without a profile
    with pytest.raises(ConfigError, match="saved without a profile"):
        results.load(tmp_path, "06_spec", profile=demo)
    with pytest.raises(ConfigError, match="run notebook 07_cache first"):
        results.load(tmp_path, "07_cache", profile=demo)


def test_the_fingerprint_ignores_where_results_go_and_follows_the_workload_file(tmp_path):
    demo = Profile.load(PROFILES / "demo.yaml")
    moved = demo.model_copy(update={"results_dir": "elsewhere",
                                    "attach": {"target": {"base_url": "http://h:1/v1"}}})
    assert moved.fingerprint() == demo.fingerprint()
    assert demo.model_copy(update={"seed": 1}).fingerprint() != demo.fingerprint()

    path = tmp_path / "workload.jsonl"
    path.write_text('{"a": 1}\n')
    mine = demo.model_copy(update={"workload": str(path)})
    before = mine.fingerprint()
    path.write_text('{"a": 2}\n')
    assert mine.fingerprint() != before
