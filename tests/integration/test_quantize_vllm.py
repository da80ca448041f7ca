"""Quantize the demo `small` model with llm-compressor (W8A8 INT8) and serve the artifact with
a real vLLM server; bitsandbytes NF4 in-process. One quantization and one start for the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmopt.bench import ConcurrentProfile, Endpoint, run
from llmopt.completions import complete
from llmopt.demo import assets, generator, grader
from llmopt.errors import ServerError
from llmopt.profile import Profile
from llmopt.quantize import (
    Artifact,
    Calibration,
    GptqW4A16,
    W8A8Int8,
    bnb,
    quantize,
    served,
    unsupported_reason,
)
from llmopt.quantize.target import cpu_isa
from llmopt.serve import ServeConfig, VllmServer, serving
from llmopt.serve.launch import QUICK_START
from llmopt.settings import REPO_ROOT, get_settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def artifact(tmp_path_factory: pytest.TempPathFactory) -> Artifact:
    out = tmp_path_factory.mktemp("quantized") / "w8a8"
    calibration = Calibration(samples=4, max_seq_length=512)
    return quantize(assets.model_dir("small"), W8A8Int8(), out, calibration, target="vllm-cpu")


def test_artifact_is_smaller_and_says_what_was_done(artifact: Artifact):
    manifest = Artifact.load(artifact.path).manifest
    assert manifest == artifact.manifest
    assert manifest.weights_bytes < manifest.source.weights_bytes
    assert manifest.calibration.texts == 4 and manifest.calibration.tokens > 4 * 400
    assert manifest.device == "cpu" and manifest.seconds > 0
    assert artifact.quantization_config()["quant_method"] == "compressed-tensors"
    assert artifact.mismatches() == {}


@pytest.mark.vllm
def test_vllm_serves_the_artifact_with_the_int8_scheme(artifact: Artifact, tmp_path: Path):
    if not get_settings().vllm_python.exists():
        pytest.skip(f"no vLLM environment at {get_settings().vllm_python}")
    Profile.load(REPO_ROOT / "cookbook" / "profiles" / "demo.yaml").prepare()
    config = ServeConfig(model=str(artifact.path), served_model_name="small-w8a8",
                         max_model_len=1024, **QUICK_START)
    items = generator.generate(4)
    with VllmServer(config, log_path=tmp_path / "vllm.log") as server:
        answers = complete(server.base_url, server.model_name, items)
        log = server.log_text()
    assert all(a.error is None for a in answers)
    assert grader.grade_frame(items, [a.text for a in answers])["error"].isna().sum() >= 1
    assert served.reported_quantization(log) == "compressed-tensors"
    assert W8A8Int8.vllm_scheme in served.selected_kernels(log)


@pytest.mark.vllm
@pytest.mark.skipif(cpu_isa() != "avx2", reason="the W4A16 refusal is about AVX2-only CPUs")
def test_w4a16_refusal_on_avx2_still_matches_what_vllm_does(tmp_path: Path):
    """The check refuses W4A16 on AVX2 CPUs because vLLM's engine dies there: if a vLLM update
    fixes that, this test fails and the refusal (recipes.base.W4A16_ON_AVX2) must go."""
    if not get_settings().vllm_python.exists():
        pytest.skip(f"no vLLM environment at {get_settings().vllm_python}")
    assert unsupported_reason(GptqW4A16(), "vllm-cpu") is not None
    Profile.load(REPO_ROOT / "cookbook" / "profiles" / "demo.yaml").prepare()
    gptq = quantize(assets.model_dir("large"), GptqW4A16(), tmp_path / "gptq",
                    Calibration(samples=4, max_seq_length=512))
    config = ServeConfig(model=str(gptq.path), served_model_name="large-gptq", max_model_len=1024,
                         extra_args=["-O0"])
    server = VllmServer(config)
    with serving({"gptq_w4a16": server}, keep_going=True) as failed:
        error = failed.get("gptq_w4a16")
        if error is None:
            try:  # it starts and reports healthy; its engine dies on the first request
                run(Endpoint(base_url=server.base_url, model=server.model_name, max_tokens=8),
                    generator.generate(4), ConcurrentProfile(concurrency=1, max_requests=4),
                    progress=False)
            except ServerError as died:
                error = died
        reported = served.report("gptq_w4a16", server, error=error)
    assert error is not None and not reported.served
    assert "has no attribute 'cpu_gemm_wna16'" in reported.error


def test_bitsandbytes_nf4_in_process_takes_less_memory():
    items = generator.generate(4)
    plain = bnb.evaluate(assets.model_dir("large"), None, items, batch_size=4)
    nf4 = bnb.evaluate(assets.model_dir("large"), "bnb_nf4", items, batch_size=4)
    assert nf4.memory_bytes < plain.memory_bytes
    assert nf4.answer_tokens > 0 and plain.answer_tokens > 0
    assert 0 <= nf4.accuracy_by_tier["all"] <= 1
