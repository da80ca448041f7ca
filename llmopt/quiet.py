"""Third-party log messages that are not news to a cookbook reader, dropped one by one.

An executed notebook should show what the lesson measured (llmopt.workshop.outputs finds the
rest). Each entry of DROPPED names one logger and the start of one message, with why it says
nothing the reader needs; every other record of those loggers still goes through, and Python
warnings are not touched here (the test suite turns them into errors on purpose).

`install()` adds the filters to this process once: `Profile.prepare()` calls it (so every
notebook's kernel), and so do the llmopt functions that call these libraries, for scripts that
never make a Profile. llm-compressor's import-time line goes through loguru, not logging: see
llmopt.quantize.compressor.
"""

from __future__ import annotations

import logging

DROPPED: tuple[tuple[str, str], ...] = (
    # bitsandbytes on import, on a CPU with AVX512-BF16: its optional 4-bit kernel is fetched
    # from the Hugging Face hub by the `kernels` package, which the offline cookbook never
    # reaches; bitsandbytes falls back to its own CPU kernel (what notebook 03 measures).
    ("bitsandbytes.backends.cpu.ops", "Failed to load CPU gemm_4bit_forward from kernels-"),
    # bitsandbytes' LLM.int8() at every layer call of a bfloat16 model: it computes in float16 by
    # design; notebook 03's table measures what that gives (accuracy, memory).
    ("bitsandbytes.autograd._functions", "MatMul8bitLt: inputs will be cast"),
    # torch, once per process, when llm-compressor's tracing asks torch.fx whether it traces: a
    # deprecation note for llm-compressor's authors, printed in torch's own log layout.
    ("torch.fx._symbolic_trace", "is_fx_tracing will return true"),
    # torch's ONNX exporter (MiniLM's export, llmopt.embed.onnx_minilm) without torchvision: it
    # skips torchvision's ops, which BERT does not use; .ci/venv leaves torchvision out on purpose.
    ("torch.onnx._internal.exporter._registration", "torchvision is not installed"),
    # ONNX Runtime's quantize_dynamic (the same export), on the root logger: it advises its
    # shape-inference pre-processing for any model without it. The int8 recipe is measured as it
    # is (onnx_minilm's docstring); pre-processing would be a new RECIPE, measured as such.
    ("root", "Please consider to run pre-processing before quantization"),
)


class Dropped(logging.Filter):
    """Drop a logger's records whose message starts with `prefix`; let the others through."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(self.prefix)


def install() -> None:
    """Add DROPPED's filters to their loggers (idempotent). A logger filter sees the records
    logged on that logger itself, so each filter drops its one message and nothing that other
    loggers propagate through it."""
    for name, prefix in DROPPED:
        logger = logging.getLogger(None if name == "root" else name)
        if not any(isinstance(f, Dropped) and f.prefix == prefix for f in logger.filters):
            logger.addFilter(Dropped(prefix))
