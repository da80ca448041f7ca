import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmopt.bench import RequestRecord, ResultsStore, StageRun, read_jsonl
from llmopt.bench.store import stages_path
from llmopt.errors import ConfigError

from .records import record


def stage_run(stage: str = "synchronous") -> StageRun:
    return StageRun(stage=stage, profile={"kind": "synchronous"}, session="s1", started_s=1.0,
                    ended_s=2.0, sent=2)


def test_each_record_is_on_disk_as_soon_as_it_is_appended(tmp_path) -> None:
    path = tmp_path / "out" / "results.jsonl"
    store = ResultsStore(path)
    store.append(record(0))
    assert read_jsonl(path, RequestRecord) == [record(0)]
    store.append(record(1))
    store.add_stage(stage_run())
    assert len(path.read_text().splitlines()) == 2
    assert read_jsonl(stages_path(path), StageRun) == [stage_run()]


def test_resume_reads_back_and_appends(tmp_path) -> None:
    path = tmp_path / "results.jsonl"
    first = ResultsStore(path)
    first.append(record(0))
    first.add_stage(stage_run())
    again = ResultsStore(path, "resume")
    assert again.done_ids("synchronous") == {"r0"} and again.finished("synchronous")
    assert again.done_ids("concurrent@4") == set() and not again.finished("concurrent@4")
    again.append(record(1))
    assert [r.id for r in read_jsonl(path, RequestRecord)] == ["r0", "r1"]


def test_overwrite_starts_the_files_afresh(tmp_path) -> None:
    path = tmp_path / "results.jsonl"
    ResultsStore(path).append(record(0))
    assert ResultsStore(path, "overwrite").records == []
    assert path.read_text() == ""


def test_refuse_keeps_an_earlier_run_and_says_how_to_choose(tmp_path) -> None:
    path = tmp_path / "results.jsonl"
    ResultsStore(path).append(record(0))
    before = path.read_bytes()
    with pytest.raises(ConfigError, match="--resume.*--overwrite.*another --out"):
        ResultsStore(path, "refuse")
    assert path.read_bytes() == before
    assert ResultsStore(tmp_path / "new.jsonl", "refuse").records == []  # a new file is fine


def test_a_line_cut_inside_a_character_is_dropped_and_sent_again(tmp_path) -> None:
    path = tmp_path / "results.jsonl"
    ResultsStore(path).append(record(0))
    torn = record(1, text="délai dépassé").model_dump_json()
    with path.open("ab") as file:
        file.write(torn.encode()[: torn.encode().index("é".encode()) + 1])  # half of an é
    store = ResultsStore(path)
    assert [r.id for r in store.records] == ["r0"] and store.done_ids("synchronous") == {"r0"}
    store.append(record(1))
    assert [r.id for r in read_jsonl(path, RequestRecord)] == ["r0", "r1"]


def test_a_line_cut_by_an_interruption_is_dropped_and_cut_off(tmp_path) -> None:
    path = tmp_path / "results.jsonl"
    ResultsStore(path).append(record(0))
    with path.open("a") as file:
        file.write(record(1).model_dump_json()[:40])  # killed mid-write
    store = ResultsStore(path)
    assert [r.id for r in store.records] == ["r0"]
    store.append(record(2))
    assert [r.id for r in read_jsonl(path, RequestRecord)] == ["r0", "r2"]


def test_a_complete_last_line_without_newline_is_kept(tmp_path) -> None:
    path = tmp_path / "results.jsonl"
    path.write_text(record(0).model_dump_json())
    store = ResultsStore(path)
    store.append(record(1))
    assert [r.id for r in read_jsonl(path, RequestRecord)] == ["r0", "r1"]


def test_a_bad_line_inside_names_file_and_line(tmp_path) -> None:
    path = tmp_path / "results.jsonl"
    path.write_text(record(0).model_dump_json() + "\n{oops}\n" + record(1).model_dump_json() + "\n")
    with pytest.raises(ConfigError, match=r"results.jsonl:2: not a RequestRecord"):
        ResultsStore(path)


def test_missing_file_is_named(tmp_path) -> None:
    with pytest.raises(ConfigError, match="nothing.jsonl does not exist"):
        read_jsonl(tmp_path / "nothing.jsonl", RequestRecord)


def test_stages_file_sits_beside_the_results() -> None:
    assert stages_path("a/b/run.jsonl").as_posix() == "a/b/run.stages.jsonl"



TEXTS = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
"""Any text a model may answer, line and paragraph separators (U+2028, U+0085) included."""
PROPERTY = settings(max_examples=80, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@PROPERTY
@given(texts=st.lists(TEXTS, min_size=1, max_size=4), cut=st.integers(min_value=0),
       name=st.uuids())
def test_a_results_file_cut_at_any_byte_reads_back_its_whole_rows(tmp_path, texts, cut, name):
    path = tmp_path / f"{name}.jsonl"
    rows = [record(n, text=text) for n, text in enumerate(texts)]
    lines = [r.model_dump_json().encode() for r in rows]
    whole = b"".join(line + b"\n" for line in lines)
    written = whole[: cut % (len(whole) + 1)]
    path.write_bytes(written)
    done = written.count(b"\n")
    kept = done + (done < len(rows) and written.rsplit(b"\n", 1)[-1] == lines[done])
    assert read_jsonl(path, RequestRecord, repair=True) == rows[:kept]
    with path.open("ab") as file:  # appending after a repair gives a file that reads whole
        file.write(lines[-1] + b"\n")
    assert read_jsonl(path, RequestRecord) == [*rows[:kept], rows[-1]]


@PROPERTY
@given(data=st.binary(max_size=300))
def test_any_bytes_read_as_rows_or_a_config_error(tmp_path, data):
    path = tmp_path / "any.jsonl"
    path.write_bytes(data)
    try:
        rows = read_jsonl(path, RequestRecord)
    except ConfigError:
        return
    assert all(isinstance(r, RequestRecord) for r in rows)
