"""Keeping secrets where they belong, in the environment: URLs without their credentials,
texts without API keys, child processes without the keys they do not need.

Used wherever a URL or an error text enters a message, a record or a report (bench errors, the
router's failures, a server's launch command) and where llmopt starts a process (vLLM).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "***"

_SECRET_WORDS = {"KEY", "APIKEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "SIG", "SIGNATURE",
                 "CREDENTIAL", "CREDENTIALS", "AUTH"}


def secret_name(name: str) -> bool:
    """True for a name (query parameter, environment variable, header) whose value is a
    secret: one of its words is KEY, TOKEN, SECRET, PASSWORD, SIG, ... (OPENAI_API_KEY,
    access_token, X-Api-Key; not KEYBOARD or TOKENIZERS_PARALLELISM)."""
    return any(word in _SECRET_WORDS for word in re.split(r"[_\-.]", name.upper()))


_KEY_SHAPES = re.compile(
    r"sk-(?:ant-|proj-)?[A-Za-z0-9_\-]{16,}"  # OpenAI, Anthropic
    r"|AKIA[0-9A-Z]{16}"                     # AWS access key id
    r"|gh[pousr]_[A-Za-z0-9]{30,}"           # GitHub
    r"|hf_[A-Za-z0-9]{30,}"                  # Hugging Face
    r"|xox[abprs]-[A-Za-z0-9\-]{10,}"        # Slack
    r"|AIza[0-9A-Za-z_\-]{35}"               # Google
    r"|(?<=[Bb]earer )[A-Za-z0-9._~+/=\-]{8,}")
_URL = re.compile(r"https?://[^\s'\"<>]+")

HUB_TOKENS = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN")
"""What a model server needs to download a gated model from the Hugging Face hub."""


def redact_url(url: str) -> str:
    """`url` without credentials: the userinfo's password (and user) and the values of query
    parameters named like secrets (key, token, sig, ...) become ***."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return mask_keys(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{MASK}@{netloc.rsplit('@', 1)[1]}"
    query = urlencode([(k, MASK if secret_name(k) else v)
                       for k, v in parse_qsl(parts.query, keep_blank_values=True)], safe="*")
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def mask(text: str) -> str:
    """`text` with every URL in it redacted, every known key shape masked, and the value of
    every secret-named environment variable masked where it appears."""
    text = _URL.sub(lambda m: redact_url(m.group(0)), text)
    return mask_keys(text)


def mask_key_shapes(text: str) -> str:
    """`text` with every known API-key shape masked; reads nothing from the environment, so
    the same text always gives the same result (reports that must render byte-identically)."""
    return _KEY_SHAPES.sub(MASK, text)


def mask_keys(text: str) -> str:
    text = mask_key_shapes(text)
    for value in _secret_values(os.environ):
        text = text.replace(value, MASK)
    return text


def child_env(extra: Mapping[str, str] = {}, keep: Iterable[str] = HUB_TOKENS
              ) -> dict[str, str]:
    """The environment for a child process: this one's without its secret-named variables
    (OPENAI_API_KEY, ...) except those in `keep`, then `extra` on top."""
    kept = set(keep)
    env = {k: v for k, v in os.environ.items() if k in kept or not secret_name(k)}
    return env | dict(extra)


def _secret_values(env: Mapping[str, str]) -> list[str]:
    """Values of secret-named variables long enough not to mask ordinary words."""
    return sorted({v for k, v in env.items() if secret_name(k) and len(v) >= 8},
                  key=len, reverse=True)
