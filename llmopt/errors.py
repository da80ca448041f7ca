"""Every error llmopt raises on purpose, in one tree.

    LlmoptError                      base; catch this to catch them all
    ├── ConfigError (ValueError)     bad input: names the bad value and what is valid
    ├── AssetError                   a model folder, manifest or asset is missing or corrupt
    ├── CacheError                   a cache store could not do what was asked; nothing changed
    ├── GradeError (ValueError)      a model output the grader cannot parse (scored wrong)
    ├── YourTurn                     a workshop exercise stub: says what to write, no traceback
    ├── NotApplicable                a step this profile cannot take (it starts no server): why
    └── ServerError                  a model server misbehaved
        ├── PortInUseError           the port is already taken
        ├── ServerStartError         the server exited during start-up (carries its log tail)
        └── ServerTimeoutError       the server did not become healthy in time

Validation happens at the boundary (configs, files, server answers); never with `assert`.
"""

from __future__ import annotations

from collections.abc import Callable


class LlmoptError(Exception):
    """Base class of every error llmopt raises on purpose."""


class ConfigError(LlmoptError, ValueError):
    """A bad input value; the message names it and lists the valid ones."""


class AssetError(LlmoptError):
    """A model folder, manifest or other asset is missing or does not match its manifest."""


class CacheError(LlmoptError):
    """A cache store could not do what was asked (a file another process keeps locked); its
    data was left as it was."""


class GradeError(LlmoptError, ValueError):
    """A model output the grader cannot parse. The grader scores it wrong and keeps going."""


class YourTurn(LlmoptError):
    """A workshop exercise's stub (the participant's version of a solution cell): the cell stops
    here with the task, shown by IPython as the message alone, not a traceback."""

    def _render_traceback_(self) -> list[str]:  # IPython's hook for how an error is shown
        return [f"Your turn: {self}"]


class NotApplicable(LlmoptError):
    """A step the profile cannot take (a server with other flags where it starts none): shown
    by IPython as the one-line reason, not a traceback."""

    def _render_traceback_(self) -> list[str]:
        return [f"Not applicable on this profile: {self}"]


class ServerError(LlmoptError):
    """A model server misbehaved."""


class PortInUseError(ServerError):
    """The requested port is already taken by another process."""


class ServerStartError(ServerError):
    """The server exited during start-up; `log_tail` holds the end of its log."""

    def __init__(self, message: str, log_tail: str = "") -> None:
        super().__init__(f"{message}\n--- last lines of the server log ---\n{log_tail}")
        self.log_tail = log_tail


class ServerTimeoutError(ServerError):
    """The server did not become healthy within the start-up timeout."""


def refusals(attempts: dict[str, Callable[[], object]]) -> dict[str, str]:
    """What each attempt was told: the message of the ConfigError it raised, or "accepted"
    (for notebooks that show the errors bad input gets)."""
    told = {}
    for what, attempt in attempts.items():
        try:
            attempt()
            told[what] = "accepted"
        except ConfigError as error:
            told[what] = str(error)
    return told
