from llmopt.bench import Endpoint
from llmopt.demo.generator import generate
from llmopt.demo.grader import Answer
from llmopt.output import BASELINE, output_settings


def test_each_setting_is_an_endpoint_against_no_cap():
    settings = output_settings(50, 30, Answer)
    assert list(settings) == [BASELINE, "schema", "cap 50", "tight cap 30", "stop at }"]
    bodies = {name: Endpoint(base_url="http://x/v1", model="m", **fields).body
              for name, fields in settings.items()}
    item = generate(1, seed=0)[0]
    assert "max_tokens" not in bodies[BASELINE](item)
    assert bodies["cap 50"](item)["max_tokens"] == 50
    assert bodies["schema"](item)["response_format"]["json_schema"]["name"] == "Answer"
    assert bodies["stop at }"](item)["stop"] == ["}"]
