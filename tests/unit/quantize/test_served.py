"""Reading what vLLM 0.32 reports about a quantized model, on lines of a real server log."""

from llmopt.quantize import served

FP8_LOG = """\
(EngineCore pid=7542) INFO 11-23 17:26:15 [core.py:133] Initializing a V1 LLM engine (v0.32.0) \
with config: model='/tmp/q/art/fp8_dynamic', dtype=torch.bfloat16, max_seq_len=1024, \
quantization=compressed-tensors, enforce_eager=False, kv_cache_dtype=auto, device_config=cpu
(Worker pid=7851) INFO 11-23 17:29:17 [__init__.py:797] Selected \
ChannelWiseTorchFP8ScaledMMLinearKernel for CompressedTensorsW8A8Fp8
(Worker pid=7851) INFO 11-23 17:29:18 [default_loader.py:501] Loading weights took 0.32 seconds
"""
BASELINE_LOG = """\
(EngineCore pid=2016) INFO 11-23 16:44:14 [core.py:133] Initializing a V1 LLM engine (v0.32.0) \
with config: model='/work/main/llmopt/demo/assets/large', quantization=None, \
quantization_config=None, enforce_eager=False
(Worker pid=2073) INFO 11-23 16:44:27 [default_loader.py:501] Loading weights took 0.02 seconds
"""


def test_quantized_server_reports_method_kernel_and_load_time():
    assert served.reported_quantization(FP8_LOG) == "compressed-tensors"
    assert served.selected_kernels(FP8_LOG) == {
        "CompressedTensorsW8A8Fp8": "ChannelWiseTorchFP8ScaledMMLinearKernel"}
    assert served.weights_load_s(FP8_LOG) == 0.32


def test_unquantized_server_reports_none():
    assert served.reported_quantization(BASELINE_LOG) is None
    assert served.selected_kernels(BASELINE_LOG) == {}
    assert served.weights_load_s(BASELINE_LOG) == 0.02


W4A16_AVX2_LOG = """\
(APIServer pid=14945) WARNING 11-23 18:39:23 [system_utils.py:255] Found ulimit of 20000 and \
failed to automatically increase with error current limit exceeds maximum limit. This can cause \
fd limit errors like `OSError: [Errno 24] Too many open files`. Consider increasing with ulimit -n
\x1b[0;36m(Worker pid=14969)\x1b[0;0m \x1b[32mINFO\x1b[0m 11-23 18:39:51 [__init__.py:923] Using \
CPUWNA16LinearKernel for mixed-precision linear
(Worker pid=14969) INFO 11-23 18:39:51 [compressed_tensors_wNa16.py:138] Using \
CPUWNA16LinearKernel for CompressedTensorsWNA16
(Worker pid=14969) ERROR 11-23 18:39:55 [multiproc_executor.py:1063] Traceback (most recent call \
last):
(Worker pid=14969) ERROR 11-23 18:39:55 [multiproc_executor.py:1063]     raise AttributeError(
(Worker pid=14969) ERROR 11-23 18:39:55 [multiproc_executor.py:1063] AttributeError: \
'_OpNamespace' '_C' object has no attribute 'cpu_gemm_wna16'
(EngineCore pid=14957) ERROR 11-23 18:39:55 [core.py:1512] RuntimeError: Worker failed with \
error ''_OpNamespace' '_C' object has no attribute 'cpu_gemm_wna16''
"""


def test_w4a16_kernel_and_the_error_that_killed_the_engine():
    assert served.selected_kernels(W4A16_AVX2_LOG) == {
        "CompressedTensorsWNA16": "CPUWNA16LinearKernel"}
    assert served.first_error(W4A16_AVX2_LOG) == (
        "AttributeError: '_OpNamespace' '_C' object has no attribute 'cpu_gemm_wna16'")
    assert served.first_error(FP8_LOG) is None


def test_empty_log():
    assert served.reported_quantization("") is None and served.weights_load_s("") is None
