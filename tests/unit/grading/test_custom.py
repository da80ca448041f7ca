import itertools
import textwrap

import pytest

from llmopt.demo import generator
from llmopt.demo import grader as demo
from llmopt.errors import ConfigError
from llmopt.grading import FunctionGrader, Grade, JsonFields, load_grader

_NAMES = itertools.count()
ITEM = generator.generate(1, seed=0)[0]


@pytest.fixture
def module(tmp_path, monkeypatch):
    """Write a module with `source` on the Python path; its (fresh) name is returned."""
    monkeypatch.syspath_prepend(str(tmp_path))

    def write(source: str) -> str:
        name = f"team_grading_{next(_NAMES)}"
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
        return name

    return write


def test_a_function_is_loaded_and_called_with_output_item_and_reference(module):
    name = module("""
        def grade(output, item, reference):
            return output.strip() == reference and item.id != ""
    """)
    grader = load_grader(f"{name}:grade")
    assert isinstance(grader, FunctionGrader)
    assert grader.grade(" yes ", ITEM, "yes").correct
    assert not grader.grade("no", ITEM, "yes").correct
    assert grader.grade("no", ITEM, "yes").metric == f"{name}:grade"


def test_a_nested_attribute_and_a_grader_instance_are_loaded(module):
    name = module("""
        from llmopt.grading import JsonFields
        class Rules:
            @staticmethod
            def grade(output, item, reference):
                return {"correct": True, "fields": {"tone": True}}
        GRADER = JsonFields()
    """)
    assert load_grader(f"{name}:Rules.grade").grade("x", ITEM, None).fields == {"tone": True}
    assert isinstance(load_grader(f"{name}:GRADER"), JsonFields)


@pytest.mark.parametrize("result", [
    Grade(metric="mine", fields={"a": True}, correct=True),
    demo.Grade(fields={"a": True}, correct=True),
    {"correct": True, "fields": {"a": True}},
])
def test_every_kind_of_result_becomes_a_grade(result):
    grade = FunctionGrader(function=lambda *_: result, spec="m:f").grade("x", ITEM, None)
    assert grade.correct and grade.fields == {"a": True} and grade.decided


def test_a_grade_error_scores_the_output_wrong_and_grading_goes_on():
    from llmopt.errors import GradeError

    def strict(output, item, reference):
        raise GradeError("no ticket id in the output")

    grade = FunctionGrader(function=strict, spec="m:strict").grade("x", ITEM, None)
    assert not grade.correct and grade.error == "no ticket id in the output"


@pytest.mark.parametrize(("result", "message"), [
    (None, "returned NoneType; it must return a Grade, a mapping with 'correct', or a bool"),
    ({"ok": True}, "returned dict"),
    ({"correct": "maybe"}, "returned a bad grade: correct: Input should be a valid boolean"),
])
def test_a_result_of_another_kind_is_a_config_error_naming_the_grader(result, message):
    with pytest.raises(ConfigError, match="grader 'm:f'") as error:
        FunctionGrader(function=lambda *_: result, spec="m:f").grade("x", ITEM, None)
    assert message in str(error.value)


def test_a_bad_format_is_refused_before_any_import():
    with pytest.raises(ConfigError, match="grader 'no_colon' is not module:function"):
        load_grader("no_colon")


def test_a_missing_module_is_named():
    with pytest.raises(ConfigError, match=r"grader 'no_such_team\.grading:grade': module "
                                          r"'no_such_team\.grading' not found"):
        load_grader("no_such_team.grading:grade")


def test_a_module_whose_own_import_fails_says_so(module):
    broken = module("import a_dependency_that_is_not_installed\n")
    with pytest.raises(ConfigError, match=f"importing module '{broken}' failed: No module "
                                          "named 'a_dependency_that_is_not_installed'"):
        load_grader(f"{broken}:grade")
    raising = module("raise RuntimeError('needs GRADER_TOKEN')\n")
    with pytest.raises(ConfigError, match="failed: RuntimeError: needs GRADER_TOKEN"):
        load_grader(f"{raising}:grade")


def test_a_missing_attribute_is_named_with_close_matches(module):
    name = module("def grade_ticket(output, item, reference):\n    return True\n"
                  "class Rules:\n    pass\n")
    with pytest.raises(ConfigError, match=f"{name} has no attribute 'grade_tiket'; close "
                                          "matches: grade_ticket"):
        load_grader(f"{name}:grade_tiket")
    with pytest.raises(ConfigError, match=f"{name}:Rules has no attribute 'grade'"):
        load_grader(f"{name}:Rules.grade")


def test_an_attribute_that_is_not_callable_is_named(module):
    name = module("THRESHOLD = 0.5\n")
    with pytest.raises(ConfigError, match="THRESHOLD is a float, not callable"):
        load_grader(f"{name}:THRESHOLD")
