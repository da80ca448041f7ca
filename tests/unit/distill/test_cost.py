import pytest

from llmopt.distill import LoraSpec, StudentRecipe
from llmopt.distill.cost import training_cost
from llmopt.errors import ConfigError

FULL = StudentRecipe(method="sequence", steps=10)


def test_flops_per_token_follow_the_method():
    # 1,000 examples x 100 tokens; a 1e9 student and a 8e9 teacher; 1e15 FLOP/s at full use
    args = dict(student_parameters=10**9, teacher_parameters=8 * 10**9, examples=1000,
                tokens_per_example=100, usd_per_gpu_hour=2.0, teacher_tokens_per_s=1e5,
                mfu=1.0, peak_tflops=1000)
    full = training_cost(FULL, **args)
    assert full.tokens == 100_000 and full.training_flops == 6e9 * 1e5
    lora = training_cost(FULL.model_copy(update={"lora": LoraSpec()}), **args)
    assert lora.training_flops == 4e9 * 1e5
    token = training_cost(FULL.model_copy(update={"method": "token"}), **args)
    assert token.training_flops == (6e9 + 16e9) * 1e5
    # 6e14 FLOPs at 1e15/s = 0.6 s; labelling 1e5 tokens at 1e5/s = 1 s
    assert full.gpu_hours == pytest.approx(1.6 / 3600)
    assert full.usd == pytest.approx(2.0 * 1.6 / 3600)
    assert "ESTIMATE" in full.assumptions and "6N" in full.assumptions


@pytest.mark.parametrize("field", ["examples", "mfu", "teacher_tokens_per_s"])
def test_bad_figures_are_named(field):
    args = dict(student_parameters=1, teacher_parameters=1, examples=1, tokens_per_example=1,
                usd_per_gpu_hour=1, teacher_tokens_per_s=1, mfu=0.4)
    with pytest.raises(ConfigError, match=f"{field} must be a finite number > 0, got -1"):
        training_cost(FULL, **(args | {field: -1}))
