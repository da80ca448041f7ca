import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from llmopt.errors import ConfigError
from llmopt.traffic.deidentification import RANDOM_SALT_NOTE, Deidentifier
from llmopt.traffic.options import ImportOptions
from tests.unit.traffic.logs import MARKER, PROPERTY, SALT, json_values


def line():
    return {"user": MARKER, "metadata": {"user_id": MARKER, "team": "t1"},
            "messages": [{"role": "system", "content": "policy"},
                         {"role": "user", "content": MARKER}]}


def test_dropped_and_hashed_fields_leave_no_trace_and_are_counted():
    scrub = Deidentifier(hash_fields=("user", "messages.*.content"),
                         drop_fields=("metadata.user_id",), salt=SALT)
    out = scrub.apply(line())
    assert MARKER not in json.dumps(out)
    assert out["metadata"] == {"team": "t1"}
    assert out["user"].startswith("sha256:") and out["user"] == out["messages"][1]["content"]
    assert out["messages"][0]["role"] == "system"
    assert scrub.found == {"metadata.user_id": 1, "user": 1, "messages.*.content": 1}


def test_hashes_depend_on_the_salt_and_nothing_else():
    one, same = Deidentifier(("user",), salt=SALT), Deidentifier(("user",), salt=SALT)
    other = Deidentifier(("user",), salt=SALT + "!")
    assert one.digest(MARKER) == same.digest(MARKER) != other.digest(MARKER)
    assert one.digest({"a": 1, "b": 2}) == one.digest({"b": 2, "a": 1})


def test_list_indices_and_wildcard_drops_keep_the_other_entries():
    data = {"messages": [{"content": "a"}, {"content": "b"}, {"content": "c"}]}
    Deidentifier(drop_fields=("messages.0",)).apply(data)
    assert data == {"messages": [{"content": "b"}, {"content": "c"}]}
    Deidentifier(drop_fields=("messages.*",)).apply(data)
    assert data == {"messages": []}


def test_a_field_in_no_line_is_reported_missing():
    scrub = Deidentifier(drop_fields=("metadata.userid",))
    scrub.apply(line())
    assert scrub.missing() == ["metadata.userid"]


def test_the_salt_comes_from_the_named_variable_or_is_random_and_said_so():
    options = ImportOptions(hash_fields=("user",), salt_env="TEAM_SALT")
    scrub, note = Deidentifier.from_options(options, {"TEAM_SALT": SALT})
    assert note is None and scrub.digest(1) == Deidentifier(("user",), salt=SALT).digest(1)
    with pytest.raises(ConfigError, match="TEAM_SALT is not set"):
        Deidentifier.from_options(options, {})
    with pytest.raises(ConfigError, match="holds 5 characters"):
        Deidentifier.from_options(options, {"TEAM_SALT": "short"})
    first, note = Deidentifier.from_options(ImportOptions(hash_fields=("user",)), {})
    second, _ = Deidentifier.from_options(ImportOptions(hash_fields=("user",)), {})
    assert note == RANDOM_SALT_NOTE and first.digest(1) != second.digest(1)


paths = st.lists(st.sampled_from(["a", "b", "0", "1", "*"]), min_size=1, max_size=3).map(".".join)


@PROPERTY
@given(st.dictionaries(st.sampled_from(["a", "b"]), json_values(["a", "b", "0", "1"])), paths,
       paths)
def test_any_line_and_paths_never_fail_and_leave_no_named_value(data, hashed, dropped):
    if hashed == dropped:
        return
    scrub = Deidentifier(hash_fields=(hashed,), drop_fields=(dropped,), salt=SALT)
    out = scrub.apply(data)
    if not dropped.split(".")[-1].isdigit():  # (dropping a list entry shifts the next one in)
        assert not _values(out, dropped.split("."))


def _values(node, steps):
    from llmopt.traffic.deidentification import _targets

    return [parent[key] for parent, key in _targets(node, steps)]
