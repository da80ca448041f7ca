import pytest

from llmopt.errors import ConfigError
from llmopt.grading import check_spec, split_spec


@pytest.mark.parametrize(("spec", "parts"), [
    ("team.grading:grade", ("team.grading", "grade")),
    ("grading:Grader.grade", ("grading", "Grader.grade")),
    ("_private_mod:_fn", ("_private_mod", "_fn")),
])
def test_module_and_function_are_split(spec, parts):
    assert split_spec(spec) == parts
    assert check_spec(spec) == spec


@pytest.mark.parametrize(("spec", "why"), [
    ("team.grading.grade", "has no ':'"),
    ("a:b:c", "more than one ':'"),
    (":grade", "the module is empty"),
    ("team.grading:", "the function is empty"),
    ("team-grading:grade", "'team-grading' in the module is not a Python name"),
    ("team..grading:grade", "'' in the module is not a Python name"),
    ("team:1grade", "'1grade' in the function is not a Python name"),
    ("team: grade", "' grade' in the function"),
])
def test_a_bad_format_names_the_string_and_why(spec, why):
    with pytest.raises(ConfigError, match="module:function") as error:
        split_spec(spec)
    assert repr(spec) in str(error.value) and why in str(error.value)


def test_a_non_string_is_named():
    with pytest.raises(ConfigError, match="must be a string.*got int"):
        split_spec(12)  # type: ignore[arg-type]
