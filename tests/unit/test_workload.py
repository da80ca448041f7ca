import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmopt.demo import generator
from llmopt.errors import ConfigError
from llmopt.workload import WorkloadItem, load_jsonl, save_jsonl


def test_round_trip(tmp_path):
    items = generator.generate(5)
    assert load_jsonl(save_jsonl(items, tmp_path / "w.jsonl")) == items


def test_bad_line_names_file_and_line(tmp_path):
    path = save_jsonl(generator.generate(2), tmp_path / "w.jsonl")
    path.write_text(path.read_text() + '{"id": "x"}\n')
    with pytest.raises(ConfigError, match=r"w\.jsonl:3"):
        load_jsonl(path)


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_jsonl(tmp_path / "nope.jsonl")
    (tmp_path / "empty.jsonl").write_text("\n")
    with pytest.raises(ConfigError, match="no items"):
        load_jsonl(tmp_path / "empty.jsonl")


def test_messages():
    item = generator.generate(1)[0]
    assert [m["role"] for m in item.messages()] == ["system", "user"]


def test_a_file_that_is_not_utf8_names_the_line_and_byte(tmp_path):
    path = save_jsonl(generator.generate(2), tmp_path / "w.jsonl")
    path.write_bytes(path.read_bytes() + '{"id": "é"}\n'.encode("latin-1"))
    with pytest.raises(ConfigError, match=r"not UTF-8: byte 0xe9 on line 3"):
        load_jsonl(path)


TEXTS = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
"""Any text: line and paragraph separators (U+2028, U+0085), CR and NUL included."""
JSON = st.recursive(st.none() | st.booleans() | st.integers() | TEXTS,
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(TEXTS, inner, max_size=3), max_leaves=8)
ITEMS = st.builds(WorkloadItem, id=TEXTS, system=TEXTS, user=TEXTS, tier=TEXTS,
                  reference=st.none() | st.dictionaries(TEXTS, JSON, max_size=3),
                  facts=st.dictionaries(TEXTS, JSON, max_size=3))
PROPERTY = settings(max_examples=80, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@PROPERTY
@given(items=st.lists(ITEMS, min_size=1, max_size=4))
def test_any_items_saved_read_back_the_same(tmp_path, items):
    assert load_jsonl(save_jsonl(items, tmp_path / "any.jsonl")) == items


@PROPERTY
@given(data=st.binary(max_size=300))
def test_any_bytes_read_as_items_or_a_config_error(tmp_path, data):
    path = tmp_path / "any.jsonl"
    path.write_bytes(data)
    try:
        items = load_jsonl(path)
    except ConfigError:
        return
    assert items and all(isinstance(item, WorkloadItem) for item in items)
