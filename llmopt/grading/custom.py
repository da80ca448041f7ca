"""A team's own grader: a function `grade(output, item, reference)` named `module:function`
(a profile's `grader`), loaded on use.

The function returns a `Grade` (this package's or the demo grader's), a mapping with at least
`correct`, or a bool. It may raise `llmopt.errors.GradeError` for an output it cannot score:
that output is scored wrong with the message, and grading goes on. A `Grader` instance named
by the reference is used as it is.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from pydantic import ValidationError

from llmopt.config import explain
from llmopt.demo import grader as demo
from llmopt.errors import ConfigError, GradeError
from llmopt.grading.base import Grade, Grader, Reference
from llmopt.grading.spec import split_spec
from llmopt.workload import WorkloadItem


class FunctionGrader(Grader):
    """A grading function, called as `function(output, item, reference)`."""

    name: ClassVar[str] = "custom"

    function: Callable[..., Any]
    spec: str = "<function>"
    """Where it came from (`module:function`), for messages and the grade's metric."""

    def grade(self, output: str, item: WorkloadItem, reference: Reference) -> Grade:
        try:
            result = self.function(output, item, reference)
        except GradeError as error:
            return Grade(metric=self.spec, fields={}, correct=False, error=str(error),
                         reason=str(error))
        return self.as_grade(result)

    def as_grade(self, result: Any) -> Grade:
        """The grader's result as a Grade; ConfigError naming the grader where it is none of
        the kinds it may return."""
        if isinstance(result, Grade):
            return result if result.metric != "custom" else \
                result.model_copy(update={"metric": self.spec})
        if isinstance(result, bool):
            return Grade(metric=self.spec, fields={}, correct=result)
        if isinstance(result, demo.Grade):
            result = result.model_dump()
        if isinstance(result, Mapping) and "correct" in result:
            try:
                return Grade.model_validate({"metric": self.spec, "fields": {}, **result})
            except ValidationError as error:
                raise ConfigError(f"grader {self.spec!r} returned a bad grade: "
                                  f"{explain(error)}") from None
        raise ConfigError(f"grader {self.spec!r} returned {type(result).__name__}; it must "
                          "return a Grade, a mapping with 'correct', or a bool")


def load_grader(spec: str) -> Grader:
    """The grader `spec` (`module:function`) names, imported now; ConfigError naming `spec`
    and why: a bad format, a module that is not found or fails to import, an attribute it
    lacks (with close matches), or one that is not callable."""
    module_name, path = split_spec(spec)
    module = _module(spec, module_name)
    target: Any = module
    for depth, part in enumerate(path.split(".")):
        if not hasattr(target, part):
            where = module_name if depth == 0 else f"{module_name}:{path.rsplit('.', 1)[0]}"
            raise ConfigError(f"grader {spec!r}: {where} has no attribute {part!r}"
                              f"{_close(part, target)}")
        target = getattr(target, part)
    if isinstance(target, Grader):
        return target
    if not callable(target):
        raise ConfigError(f"grader {spec!r}: {path} is a {type(target).__name__}, not "
                          "callable; name a function grade(output, item, reference)")
    return FunctionGrader(function=target, spec=spec)


def _module(spec: str, name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name is not None and (name == error.name or name.startswith(f"{error.name}.")):
            raise ConfigError(f"grader {spec!r}: module {name!r} not found (no module "
                              f"{error.name!r} on the Python path)") from None
        raise ConfigError(f"grader {spec!r}: importing module {name!r} failed: "
                          f"{error}") from error
    except Exception as error:  # the module's own code failed: name it, keep the cause
        raise ConfigError(f"grader {spec!r}: importing module {name!r} failed: "
                          f"{type(error).__name__}: {error}") from error


def _close(name: str, target: Any) -> str:
    names = [n for n in dir(target) if not n.startswith("_")]
    close = difflib.get_close_matches(name, names, n=3)
    return f"; close matches: {', '.join(close)}" if close else ""
