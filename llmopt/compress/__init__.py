"""Prompt compression: LLMLingua, LongLLMLingua and LLMLingua-2 through llmlingua's own code.

    from llmopt import compress
    llmlingua2 = compress.load({"kind": "llmlingua2", "rate": 0.5},
                               model=compress.default_model("llmlingua2", "demo", "demo:small"))
    result = llmlingua2.compress(system_prompt)          # a Compression
    compress.diff(result.original, result.compressed)    # kept / dropped, word by word

`compress_items` applies a setting to a workload (the shared system prompt once, or per
request for question-aware methods); `llmopt.compress.sweep` sends the settings to a server,
tabulates what it measured against the uncompressed baseline and picks a rate. Importing this
package never imports torch, transformers or llmlingua: the engines load on first use.
"""

from llmopt.compress import llmlingua, llmlingua2, longllmlingua  # noqa: F401  (registry)
from llmopt.compress.apply import Compressed, compress_items
from llmopt.compress.base import COMPRESSORS, Compressor, load
from llmopt.compress.config import (
    DEFAULT_FORCE,
    DEFAULT_RATE,
    DEMO_CLASSIFIER,
    KINDS,
    PUBLISHED_LLMLINGUA2,
    CompressConfig,
    LLMLingua2Config,
    LLMLinguaConfig,
    LongLLMLinguaConfig,
    config_from,
    default_model,
)
from llmopt.compress.diff import Piece, diff, kept_share
from llmopt.compress.force import missing, segments, spans
from llmopt.compress.result import Compression

__all__ = [
    "COMPRESSORS",
    "DEFAULT_FORCE",
    "DEFAULT_RATE",
    "DEMO_CLASSIFIER",
    "KINDS",
    "PUBLISHED_LLMLINGUA2",
    "CompressConfig",
    "Compressed",
    "Compression",
    "Compressor",
    "LLMLingua2Config",
    "LLMLinguaConfig",
    "LongLLMLinguaConfig",
    "Piece",
    "compress_items",
    "config_from",
    "default_model",
    "diff",
    "kept_share",
    "load",
    "missing",
    "segments",
    "spans",
]
