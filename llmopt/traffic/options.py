"""`ImportOptions`: what an import keeps (sampling, time window, tags) and what it hides
(fields hashed or dropped), validated once before a line is read."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_PATH = re.compile(r"[^.\s]+(\.[^.\s]+)*")


def as_utc(moment: datetime) -> datetime:
    """`moment` with a time zone: a naive one is taken as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class ImportOptions(BaseModel):
    """How `llmopt.traffic.import_log` reads a log. Filters apply in this order: time window,
    tags, then the sample (drawn from what the filters kept)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sample: int | None = Field(default=None, ge=1)
    """Keep this many requests, drawn uniformly (reservoir sampling, so the log streams)."""
    seed: int = 0
    """The sample's seed: the same log, options and seed give the same sample."""
    since: datetime | None = None
    """Keep requests logged at or after this moment (ISO 8601; no time zone means UTC)."""
    until: datetime | None = None
    """Keep requests logged before this moment (the window is [since, until))."""
    tags: tuple[str, ...] = ()
    """Keep requests carrying at least one of these tags."""
    hash_fields: tuple[str, ...] = ()
    """Dotted paths into each log line (`user`, `metadata.user_id`, `messages.*.content`)
    whose values are replaced by a salted SHA-256 (HMAC) before anything is written."""
    drop_fields: tuple[str, ...] = ()
    """Dotted paths removed from each log line before anything is written."""
    keep_fields: tuple[str, ...] = ()
    """Dotted paths (no `*`) copied into each item's `facts["kept"]`, after hashing and
    dropping; nothing else from a line's metadata is copied."""
    salt_env: str | None = None
    """The environment variable holding the hashing salt (16 characters at least); without it
    a random salt is drawn for this import and never written."""
    skip_bad: bool = False
    """Count and report bad lines instead of stopping at the first one."""
    overwrite: bool = False
    """Replace existing output files."""

    @field_validator("since", "until")
    @classmethod
    def _zoned(cls, value: datetime | None) -> datetime | None:
        return None if value is None else as_utc(value)

    @field_validator("hash_fields", "drop_fields", "keep_fields")
    @classmethod
    def _paths(cls, paths: tuple[str, ...]) -> tuple[str, ...]:
        for path in paths:
            if not _PATH.fullmatch(path):
                raise ValueError(f"{path!r} is not a dotted field path (e.g. metadata.user_id)")
        return paths

    @model_validator(mode="after")
    def _consistent(self) -> ImportOptions:
        if self.since and self.until and self.since >= self.until:
            raise ValueError(f"since ({self.since.isoformat()}) must be before until "
                             f"({self.until.isoformat()})")
        for path in set(self.hash_fields) & set(self.drop_fields):
            raise ValueError(f"{path!r} is both hashed and dropped; choose one")
        for path in self.keep_fields:
            if "*" in path.split("."):
                raise ValueError(f"keep field {path!r}: name one field, without `*`")
            if path in self.drop_fields:
                raise ValueError(f"{path!r} is both kept and dropped; choose one")
        return self

    @property
    def windowed(self) -> bool:
        return self.since is not None or self.until is not None

    def excluded_by(self, timestamp: datetime | None, tags: tuple[str, ...]) -> str | None:
        """Which filter leaves a request out (`no_timestamp`, `outside_window`, `not_tagged`),
        or None when it is kept."""
        if self.windowed:
            if timestamp is None:
                return "no_timestamp"
            if (self.since and timestamp < self.since) or (self.until and timestamp >= self.until):
                return "outside_window"
        if self.tags and not set(self.tags) & set(tags):
            return "not_tagged"
        return None
