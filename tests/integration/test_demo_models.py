"""The shipped demo models on a real vLLM server: `small` drafts for `large`."""

from __future__ import annotations

import pytest

from llmopt.completions import complete
from llmopt.demo import assets, grader
from llmopt.profile import Profile
from llmopt.serve import DraftModelSpeculative
from llmopt.settings import REPO_ROOT

pytestmark = [pytest.mark.vllm, pytest.mark.slow]


def test_small_works_as_the_speculative_draft_of_large():
    pilot = Profile.load(REPO_ROOT / "cookbook/profiles/demo.yaml")
    pilot.prepare()
    draft = DraftModelSpeculative(model=str(assets.model_dir("small")), num_speculative_tokens=3)
    items = pilot.workload_items()[:24]
    with pilot.server("target", speculative=draft) as server:
        before = server.metrics()
        answers = complete(server.base_url, server.model_name, items)
        delta = server.metrics() - before
    assert all(a.error is None for a in answers)
    assert delta.spec_decode_num_draft_tokens > 0
    assert delta.spec_decode_acceptance_rate is not None and delta.spec_decode_acceptance_rate > 0
    graded = grader.grade_frame(items, [a.text for a in answers])
    assert graded["error"].isna().all(), "speculation must still give well-formed answers"
