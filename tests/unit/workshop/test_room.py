import yaml

from llmopt.profile import Profile
from llmopt.settings import REPO_ROOT
from llmopt.workshop.room import attach_block

DEMO = REPO_ROOT / "cookbook" / "profiles" / "demo.yaml"


def test_the_attach_block_is_what_a_participants_profile_takes():
    demo = Profile.load(DEMO)
    servers = {"target": demo.server("target", port=8000), "draft": demo.server("draft", port=8001)}
    block = yaml.safe_load(attach_block(servers, "gpu-box.local"))
    assert block == {"attach": {"target": {"base_url": "http://gpu-box.local:8000/v1"},
                                "draft": {"base_url": "http://gpu-box.local:8001/v1"}},
                     "launch_servers": False}
    participant = Profile.model_validate(demo.model_dump() | block)
    assert participant.server("target").base_url == "http://gpu-box.local:8000/v1"
