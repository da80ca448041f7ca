"""A grader's `module:function` reference: its format, checked where a profile is loaded (the
import happens only when the grader is used, `llmopt.grading.load_grader`)."""

from __future__ import annotations

from llmopt.errors import ConfigError

FORMAT = "module:function, e.g. 'my_team.grading:grade_ticket'"


def split_spec(spec: str) -> tuple[str, str]:
    """The module and the attribute path of `spec`; ConfigError naming the bad string and why."""
    if not isinstance(spec, str):
        raise ConfigError(f"grader must be a string ({FORMAT}), got {type(spec).__name__}")
    module, colon, attribute = spec.partition(":")
    if not colon:
        raise ConfigError(f"grader {spec!r} is not {FORMAT}: it has no ':'")
    if ":" in attribute:
        raise ConfigError(f"grader {spec!r} is not {FORMAT}: it has more than one ':'")
    for what, path in (("module", module), ("function", attribute)):
        if not path:
            raise ConfigError(f"grader {spec!r} is not {FORMAT}: the {what} is empty")
        bad = [part for part in path.split(".") if not part.isidentifier()]
        if bad:
            raise ConfigError(f"grader {spec!r} is not {FORMAT}: {bad[0]!r} in the {what} "
                              "is not a Python name")
    return module, attribute


def check_spec(spec: str) -> str:
    """`spec` itself where its format is `module:function`; ConfigError (a ValueError, so a
    pydantic validator reports it on its field) where it is not."""
    split_spec(spec)
    return spec
