import shutil

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmopt.errors import ConfigError, NotApplicable
from llmopt.profile import Profile, resolve_model
from llmopt.serve.launch import QUICK_START
from llmopt.settings import REPO_ROOT

DEMO = REPO_ROOT / "cookbook" / "profiles" / "demo.yaml"


def test_demo_profile_resolves_to_shipped_folders():
    profile = Profile.load(DEMO)
    assert (REPO_ROOT / profile.model("target") / "config.json").is_file()
    assert profile.serve_config("draft").served_model_name == "demo:small"


def test_demo_servers_run_the_worker_in_process_and_gpu_servers_keep_vllms_layout():
    demo = Profile.load(DEMO)
    assert (demo.serve_config("target").worker_in_process,
            demo.serve_config("target").optimization_level) == (True, None)
    assert not demo.serve_config("target", worker_in_process=False).worker_in_process
    quick = demo.serve_config("target", **QUICK_START)
    assert (quick.worker_in_process, quick.optimization_level) == (True, 0)
    gpu = Profile.load(DEMO.with_name("gpu.yaml"))
    assert not gpu.serve_config("target").worker_in_process


def test_hub_ids_pass_through():
    assert resolve_model("meta-llama/Llama-3.1-8B-Instruct") == "meta-llama/Llama-3.1-8B-Instruct"


def test_unknown_field_and_bad_values_are_named(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(DEMO.read_text() + "n_reqests: 5\n")
    with pytest.raises(ConfigError, match="n_reqests"):
        Profile.load(bad)
    bad.write_text(DEMO.read_text().replace("n_requests: 120", "n_requests: -1"))
    with pytest.raises(ConfigError, match="n_requests"):
        Profile.load(bad)
    with pytest.raises(ConfigError, match="does not exist"):
        Profile.load(tmp_path / "nope.yaml")


def test_workload_items_for_demo_and_file(tmp_path):
    from llmopt.workload import save_jsonl

    profile = Profile.load(DEMO)
    items = profile.workload_items()
    assert len(items) == profile.n_requests
    path = save_jsonl(items[:7], tmp_path / "w.jsonl")
    assert profile.model_copy(update={"workload": str(path)}).workload_items() == items[:7]


def test_the_gpu_profile_names_an_eagle_head_and_the_demo_leaves_it_unset():
    gpu = Profile.load(DEMO.with_name("gpu.yaml"))
    assert gpu.eagle_head and gpu.parameters()["eagle_head"] == gpu.eagle_head
    demo = Profile.load(DEMO)
    assert demo.eagle_head is None and "eagle_head" not in demo.parameters()


def test_warm_up_requests_are_not_among_the_measured_ones(tmp_path):
    from llmopt.workload import save_jsonl

    profile = Profile.load(DEMO)
    measured = {item.id for item in profile.workload_items()}
    warm = profile.warmup_items(3)
    assert len(warm) == 3 and not measured & {item.id for item in warm}
    path = save_jsonl(profile.workload_items()[:5], tmp_path / "w.jsonl")
    short = profile.model_copy(update={"workload": str(path), "n_requests": 4})
    assert [i.id for i in short.warmup_items(1)] == [profile.workload_items()[4].id]
    assert len(short.warmup_items(3)) == 3  # not enough left: the first ones


def test_held_out_requests_follow_everything_the_notebooks_draw_on(tmp_path):
    from llmopt.profile import HELD_OUT_AFTER
    from llmopt.workload import save_jsonl

    profile = Profile.load(DEMO)
    drawn = profile.model_copy(update={"n_requests": profile.n_requests + HELD_OUT_AFTER})
    held = profile.held_out_items(5)
    assert [i.id for i in held] == [i.id for i in drawn.warmup_items(5)]
    assert not {i.id for i in held} & {i.id for i in drawn.workload_items()}
    from llmopt.demo import generator

    lines = generator.generate(1 + HELD_OUT_AFTER + 2)
    file = profile.model_copy(update={"workload": str(save_jsonl(lines, tmp_path / "w.jsonl")),
                                      "n_requests": 1})
    assert file.held_out_items(2) == lines[-2:]
    with pytest.raises(ConfigError, match=f"has {len(lines)} requests.*need {len(lines) + 1}: "
                                          "1 missing"):
        file.held_out_items(3)
    with pytest.raises(ConfigError, match="n >= 1"):
        profile.held_out_items(0)


def test_a_negative_quality_budget_is_refused(tmp_path):
    bad = tmp_path / "bad.yaml"
    text = DEMO.read_text()
    bad.write_text(text.replace("quality_budget_points: 2.0", "quality_budget_points: -1"))
    with pytest.raises(ConfigError, match="quality_budget_points"):
        Profile.load(bad)


@pytest.mark.parametrize(("line", "field"), [
    ("setup_cost_usd: -1", "setup_cost_usd"), ("setup_cost_usd: .nan", "setup_cost_usd"),
    ("setup_cost_usd: -.inf", "setup_cost_usd"), ("quality_budget_points: .inf",
                                                   "quality_budget_points"),
    ("results_dir: ../../etc", "results_dir '../../etc' leads out of the repository"),
    ("results_dir: /etc", "results_dir '/etc' leads out of the repository"),
])
def test_money_and_paths_that_make_no_sense_are_refused(tmp_path, line, field):
    bad = tmp_path / "bad.yaml"
    key = line.split(":")[0]
    kept = [row for row in DEMO.read_text().splitlines() if not row.startswith(f"{key}:")]
    bad.write_text("\n".join([*kept, line]) + "\n")
    with pytest.raises(ConfigError, match=field):
        Profile.load(bad)


VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=3), max_leaves=6)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(sorted(Profile.model_fields)), value=VALUES)
def test_any_value_in_any_field_loads_or_is_named(tmp_path, field, value):
    data = yaml.safe_load(DEMO.read_text()) | {field: value}
    path = tmp_path / "any.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    try:
        profile = Profile.load(path)
    except ConfigError as error:
        assert field in str(error)
        return
    assert profile.results_folder().is_relative_to(REPO_ROOT.resolve())


def test_attach_serves_the_profiles_own_configuration_and_nothing_else(monkeypatch):
    monkeypatch.setenv("BOX_KEY", "llmopt-fake-box-key")
    profile = Profile.model_validate(Profile.load(DEMO).model_dump() | {
        "attach": {"target": {"base_url": "http://gpu-box:8000/v1", "api_key_env": "BOX_KEY"}}})
    target = profile.server("target")
    assert target.is_attached and target.base_url == "http://gpu-box:8000/v1"
    assert target.config.api_key_env == "BOX_KEY" and target.model_name == "demo:large"
    assert not profile.server("target", extra_args=["-O0"]).is_attached, "other flags: its own"
    assert not profile.server("draft").is_attached, "nothing attached for the draft"
    target.stop()  # not ours: nothing happens


def test_a_profile_that_starts_no_server_says_which_one_it_needed():
    profile = Profile.model_validate(Profile.load(DEMO).model_dump() | {"launch_servers": False})
    with pytest.raises(NotApplicable, match=r"launch_servers: false.*draft server with "
                                          r"\{'enable_prefix_caching': False\}"):
        profile.server("draft", enable_prefix_caching=False)


def test_an_attached_base_url_must_be_an_openai_base_url(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(DEMO.read_text() + "attach:\n  target: {base_url: gpu-box:8000}\n")
    with pytest.raises(ConfigError, match="attach.target.base_url"):
        Profile.load(bad)


def test_the_grader_is_unset_by_default_and_not_a_notebook_parameter():
    profile = Profile.load(DEMO)
    assert profile.quality_grader is None and "quality_grader" not in profile.parameters()


def test_a_grader_reference_is_checked_for_its_format_only(tmp_path):
    path = tmp_path / "own.yaml"
    path.write_text(DEMO.read_text() + "quality_grader: my_team.not_installed_here:grade_ticket\n")
    profile = Profile.load(path)  # not imported on load: the module need not exist here
    assert profile.quality_grader == "my_team.not_installed_here:grade_ticket"
    assert profile.parameters()["quality_grader"] == profile.quality_grader


@pytest.mark.parametrize(("value", "why"), [
    ("my_team.grading", "has no ':'"), ("my_team:grade-ticket", "is not a Python name"),
    (":grade", "the module is empty"),
])
def test_a_grader_that_is_not_module_colon_function_is_refused(tmp_path, value, why):
    path = tmp_path / "bad.yaml"
    path.write_text(DEMO.read_text() + f"quality_grader: '{value}'\n")
    with pytest.raises(ConfigError, match=f"quality_grader: .*{why}"):
        Profile.load(path)


def test_notebook_globals_that_are_not_data_are_not_parameters():
    import llmopt.demo.grader as module

    namespace = yaml.safe_load(DEMO.read_text()) | {"quality_grader": module, "gpu": "A100-80GB"}
    profile = Profile.from_parameters(namespace)
    assert profile.quality_grader is None and profile.gpu == "A100-80GB"


API = REPO_ROOT / "cookbook" / "profiles" / "api.yaml"


def api_profile(tmp_path, **changes) -> Profile:
    """The api profile with `changes` (None removes a key), loaded from a file."""
    data = yaml.safe_load(API.read_text()) | changes
    path = tmp_path / "api.yaml"
    path.write_text(yaml.safe_dump({k: v for k, v in data.items() if v is not None}))
    return Profile.load(path)


def test_the_api_profile_reaches_api_models_and_starts_nothing(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "llmopt-fake-openai-key")
    profile = Profile.load(API)
    assert (profile.self_hosted, profile.launch_servers, profile.existing_results) == (
        False, False, "resume")
    target = profile.server("target")
    assert target.is_attached and target.model_name == "gpt-4.1"
    assert target.config.api_key_env == "OPENAI_API_KEY"
    assert profile.workload_file() == REPO_ROOT / "data" / "workload.jsonl"
    from llmopt.pricing import price_for

    assert price_for(profile.draft_model).label.startswith("openai/gpt-4.1-mini (genai-prices")
    demo = Profile.load(DEMO)
    assert (demo.self_hosted, demo.existing_results) == (True, "overwrite")


def test_api_tiers_count_with_tiktoken_and_demo_tiers_with_their_own_tokenizer():
    from llmopt.bench import tiktoken_counter
    from llmopt.tokens import count, load_tokenizer

    text = "Where is my order #123456? It was due on Monday."
    assert Profile.load(API).token_counter("draft")(text) == tiktoken_counter("o200k_base")(text)
    demo = Profile.load(DEMO)
    assert demo.token_counter("target")(text) == count([text], load_tokenizer(
        demo.model("target")))[0]


def test_a_missing_api_key_names_its_variable_before_any_request(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ConfigError, match=r"attach.draft.api_key_env: environment variable "
                                          r"OPENAI_API_KEY is not set"):
        Profile.load(API).server("draft")


def test_an_api_model_without_a_price_is_refused_with_close_matches(tmp_path):
    with pytest.raises(ConfigError, match=r"draft_model on profile api: unknown model "
                                          r"'gpt-4.1-mnii'.*close matches: gpt-4.1-mini"):
        api_profile(tmp_path, draft_model="gpt-4.1-mnii")


@pytest.mark.parametrize("changes", [{"attach": {"target": {
    "base_url": "https://api.openai.com/v1"}}}, {"launch_servers": True}])
def test_the_api_profile_needs_both_models_attached_and_starts_nothing(tmp_path, changes):
    with pytest.raises(ConfigError, match="profile api reaches its models through attach"):
        api_profile(tmp_path, **changes)


def test_a_relative_workload_is_the_repositorys_wherever_the_notebook_runs(tmp_path,
                                                                         monkeypatch):
    from llmopt.workload import save_jsonl

    folder = REPO_ROOT / "results" / f"test-profile-{tmp_path.name}"
    items = Profile.load(DEMO).workload_items()[:3]
    save_jsonl(items, folder / "w.jsonl")
    try:
        monkeypatch.chdir(REPO_ROOT / "cookbook")  # where papermill runs a notebook
        relative = Profile.load(DEMO).model_copy(update={
            "workload": str((folder / "w.jsonl").relative_to(REPO_ROOT)), "n_requests": 3})
        assert relative.workload_items() == items
    finally:
        shutil.rmtree(folder)
