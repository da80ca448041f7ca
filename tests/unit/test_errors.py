"""The errors module's helper for showing what bad input is told."""

import pytest

from llmopt.errors import ConfigError, NotApplicable, YourTurn, refusals


def test_refusals_collect_each_message() -> None:
    def refused():
        raise ConfigError("no such scheme 'q4'")

    assert refusals({"bad": refused, "fine": lambda: 1}) == {
        "bad": "no such scheme 'q4'", "fine": "accepted"}


def test_other_errors_are_not_swallowed() -> None:
    with pytest.raises(ZeroDivisionError):
        refusals({"bug": lambda: 1 / 0})


@pytest.mark.parametrize(("error", "shown"), [
    (YourTurn("set the budget to 1 point"), "Your turn: set the budget to 1 point"),
    (NotApplicable("no server here"), "Not applicable on this profile: no server here"),
])
def test_notebook_stops_show_one_line_not_a_traceback(error, shown) -> None:
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    shell = InteractiveShell.instance()
    shell.user_ns["error"] = error
    with capture_output() as out:
        shell.run_cell("raise error")
    assert (out.stdout + out.stderr).strip() == shown
