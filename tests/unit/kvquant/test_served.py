import json
from types import SimpleNamespace

import pandas as pd

from llmopt.demo import generator
from llmopt.errors import ServerStartError
from llmopt.kvquant import BF16, vllm
from llmopt.kvquant.served import decisions, effects_table, served_effects


def servers(**tokens):
    return {name: SimpleNamespace(kv_cache_tokens=t) for name, t in tokens.items()}


def test_each_dtype_is_refused_or_accepted_and_judged_against_auto():
    running = servers(auto=1000, turboquant_k8v4=1000, turboquant_3bit_nc=3000,
                      turboquant_4bit_nc=None)
    failed = {"turboquant_4bit_nc": ServerStartError("server exited with code 1",
                                                     "ValueError: no kernel for this dtype")}
    effects = served_effects(running, failed)
    assert list(effects) == ["turboquant_k8v4", "turboquant_3bit_nc", "turboquant_4bit_nc"]
    assert effects["turboquant_k8v4"].verdict == "no effect"
    assert effects["turboquant_3bit_nc"].verdict == "effective"
    assert effects["turboquant_4bit_nc"].verdict == "not measurable here"
    assert effects["turboquant_4bit_nc"].why == "refused: server exited with code 1"
    table = effects_table(effects)
    assert table["served"].tolist() == ["accepted", "accepted", "refused"]


def test_a_dtype_the_server_shows_did_nothing_is_dropped_and_a_cheaper_one_kept():
    items = generator.generate(20, seed=0)
    right = [json.dumps(i.reference) for i in items]
    found = {BF16.name: right, vllm("turboquant_k8v4").name: right,
             vllm("turboquant_3bit_nc").name: right}
    effects = served_effects(servers(auto=1000, turboquant_k8v4=1000, turboquant_3bit_nc=3000),
                             {})
    costs = pd.DataFrame({"usd_per_million": [1.0, 1.0, 0.4]},
                         index=[BF16.name, vllm("turboquant_k8v4").name,
                                vllm("turboquant_3bit_nc").name])
    made = {d.setting: d for d in decisions(items, found, effects, costs, 2.0, "here")}
    assert made["turboquant_k8v4"].verdict == "drop"
    assert "server shows it did nothing" in made["turboquant_k8v4"].why
    assert made["turboquant_3bit_nc"].verdict == "keep"
    assert made["turboquant_3bit_nc"].evidence.cost.pct == -60
