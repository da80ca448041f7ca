import pytest

from llmopt.demo import assets, generator
from llmopt.errors import ConfigError
from llmopt.quantize import bnb


def test_llm_compressor_schemes_are_not_evaluated_in_process(demo_model):
    with pytest.raises(ConfigError, match="awq_w4a16 is an llm-compressor scheme: quantize it"):
        bnb.evaluate(demo_model, "awq_w4a16", generator.generate(2))


def test_unknown_scheme(demo_model):
    with pytest.raises(ConfigError, match="unknown quantization scheme 'nf3'"):
        bnb.evaluate(demo_model, "nf3", generator.generate(2))


def test_no_items(demo_model):
    with pytest.raises(ConfigError, match="at least one workload item"):
        bnb.evaluate(demo_model, "bnb_nf4", [])


def test_not_a_causal_lm(folder_with):
    folder = folder_with({"architectures": ["WhisperForConditionalGeneration"]})
    with pytest.raises(ConfigError, match="not a causal LM"):
        bnb.evaluate(folder, None, generator.generate(2))


def _avx512bf16() -> bool:
    from bitsandbytes.functional import has_avx512bf16

    return has_avx512bf16()


@pytest.mark.skipif(not _avx512bf16(), reason="bitsandbytes repacks NF4 only on AVX512-BF16 CPUs")
def test_nf4_widths_this_cpu_cannot_pack():
    small = assets.model_dir("small")  # hidden 96: not a multiple of the 64-wide NF4 blocks
    with pytest.raises(ConfigError, match=r"bnb_nf4 cannot run model\.layers\.0\.self_attn\.q_proj "
                                          r"\(96 -> 96\) on this CPU.*divisible by 32"):
        bnb.evaluate(small, "bnb_nf4", generator.generate(2))


class Rows:
    def __init__(self, rows):
        self.rows = rows

    def tolist(self):
        return self.rows


def test_answer_tokens_count_up_to_the_first_end_token():
    end, pad = 4, 0
    new = Rows([[7, 8, end, pad, pad], [7, 8, 9, 10, 11], [end, pad, pad, pad, pad]])
    assert bnb._answer_tokens(new, end) == 3 + 5 + 1


def test_in_process_row():
    run = bnb.InProcessRun(setting="bnb_nf4", device="cpu", requests=4,
                           accuracy_by_tier={"all": 0.5, "easy": 1.0, "hard": 0.0},
                           memory_bytes=2_000_000, load_s=0.5, answer_tokens=100, generate_s=4.0)
    assert run.tokens_per_s == 25.0
    assert run.row() == {"setting": "bnb_nf4", "device": "cpu", "requests": 4,
                          "memory_mb": 2.0, "load_s": 0.5, "answer_tokens_per_s": 25.0,
                          "accuracy_all": 0.5, "accuracy_easy": 1.0, "accuracy_hard": 0.0}


def test_decision_drops_it_for_serving_and_reports_paired_quality_and_memory():
    def run(setting, correct, memory):
        return bnb.InProcessRun(setting=setting, device="cpu", requests=len(correct),
                                accuracy_by_tier={"all": sum(correct) / len(correct)},
                                memory_bytes=memory, load_s=1.0, answer_tokens=10, generate_s=1.0,
                                correct=correct, tiers=["easy", "hard"] * (len(correct) // 2))

    d = bnb.decision(run("bnb_nf4", [True] * 9 + [False], 300),
                     run("unquantized", [True] * 10, 1000), budget_points=2.0)
    assert d.verdict == "drop" and d.evidence.quality.baseline_only == 1
    assert d.evidence.cost is None and d.evidence.latency is None
    assert d.why.startswith("vLLM 0.32 cannot serve it (in-process only); memory 30% of "
                            "unquantized, quality -10.0 points [")
    assert d.evidence.quality.by_tier["hard"].difference_points == -20.0
