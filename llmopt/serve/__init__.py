"""Serve a model with a real vLLM server: config, launch, health, logs, metrics.

Importing this package never imports vllm; the server runs in the vLLM environment as a
subprocess and is reached over HTTP.
"""

from llmopt.serve.config import ServeConfig
from llmopt.serve.launch import LaunchCommand
from llmopt.serve.logs import parse_kv_cache_tokens
from llmopt.serve.metrics import Histogram, MetricsDelta, MetricsSnapshot, parse_metrics
from llmopt.serve.prometheus import Sample, parse_samples
from llmopt.serve.server import VllmServer, serving
from llmopt.serve.speculative import (
    DraftModelSpeculative,
    EagleSpeculative,
    NgramSpeculative,
    SpeculativeConfig,
)

__all__ = [
    "DraftModelSpeculative",
    "EagleSpeculative",
    "Histogram",
    "LaunchCommand",
    "MetricsDelta",
    "MetricsSnapshot",
    "NgramSpeculative",
    "Sample",
    "ServeConfig",
    "SpeculativeConfig",
    "VllmServer",
    "parse_kv_cache_tokens",
    "parse_metrics",
    "parse_samples",
    "serving",
]
