"""`import_log` end to end on tiny logs written by the tests."""

import json
from pathlib import Path

import pytest

from llmopt.errors import ConfigError
from llmopt.traffic import ImportOptions, import_log, load_answers
from llmopt.workload import load_jsonl
from tests.unit.traffic.logs import (
    MARKER,
    SALT,
    batch_input,
    batch_output,
    chat_line,
    every_file_text,
    write_jsonl,
)


def chat_log(folder: Path, n: int = 10, **fields) -> Path:
    return write_jsonl(folder / "log.jsonl", [chat_line(i, **fields) for i in range(n)])


def imported(log: Path, options: ImportOptions | None = None, **kwargs):
    out = log.parent / "out" / "traffic.jsonl"
    report = import_log(log, options, output=out, **kwargs)
    assert report.accounted == report.lines_read
    return report, load_jsonl(out), load_answers(out.with_name("traffic.answers.jsonl"))


def test_a_chat_log_becomes_a_workload_and_its_answers(tmp_path):
    report, items, answers = imported(chat_log(tmp_path, 4))
    assert [i.id for i in items] == [a.id for a in answers] == ["req-0", "req-1", "req-2", "req-3"]
    assert items[1].user == "question 1" and items[1].reference is None
    assert items[1].facts == {"log_line": 2, "model": "gpt-4o-mini", "tags": ["odd"],
                              "timestamp": "2025-05-01T00:01:00+00:00", "user": "user-1"}
    assert (answers[1].answer, answers[1].prompt_tokens, answers[1].cached_prompt_tokens) == (
        "answer 1", 101, 64)
    assert (report.lines_read, report.imported, report.ok, report.format) == (4, 4, 4, "chat-log")
    saved = json.loads((tmp_path / "out" / "traffic.import.json").read_text())
    assert saved["imported"] == 4 and saved["options"]["seed"] == 0


def test_the_default_output_sits_beside_the_log(tmp_path):
    report = import_log(chat_log(tmp_path, 2))
    assert report.workload == str(tmp_path / "log.workload.jsonl")
    assert (tmp_path / "log.workload.answers.jsonl").is_file()


def batch_files(folder: Path) -> tuple[Path, Path]:
    inputs = write_jsonl(folder / "in.jsonl", [batch_input(i) for i in range(6)])
    outputs = write_jsonl(folder / "out.jsonl", [
        batch_output(4), batch_output(0),
        batch_output(1, error={"code": "batch_expired", "message": "expired"}),
        batch_output(2, status_code=429),
        batch_output(3) | {"custom_id": "req-99"},  # no input line has it
    ])  # req-3 and req-5 have no output line
    return inputs, outputs


def test_a_batch_joined_with_its_output_counts_errors_and_unmatched_ids(tmp_path):
    inputs, outputs = batch_files(tmp_path)
    report, items, answers = imported(inputs, batch_output=outputs)
    assert [i.id for i in items] == [a.id for a in answers] == [f"req-{i}" for i in range(6)]
    by_id = {a.id: a for a in answers}
    assert (by_id["req-0"].status, by_id["req-0"].answer, by_id["req-0"].model) == (
        "ok", "answer 0", "gpt-4o-mini-2024-07-18")
    assert by_id["req-1"].error == "batch_expired: expired"
    assert by_id["req-2"].status == "error" and by_id["req-3"].status == "missing"
    assert by_id["req-3"].model == "gpt-4o-mini"
    assert (report.imported, report.ok, report.errors, report.missing) == (6, 2, 2, 2)
    assert (report.inputs_without_output, report.outputs_without_input) == (2, 1)
    assert (report.output_lines_read, report.batch_output) == (5, str(outputs))
    assert "inputs without output 2; outputs without input 1" in report.text()
    assert items[0].facts["timestamp"] == "2025-05-01T00:00:00+00:00"


def test_a_batch_without_its_output_says_every_answer_is_missing(tmp_path):
    report, items, answers = imported(batch_files(tmp_path)[0])
    assert len(items) == 6 and {a.status for a in answers} == {"missing"}
    assert any("no batch output file given" in note for note in report.notes)


@pytest.mark.parametrize("which", ["in", "out"])
def test_a_repeated_custom_id_names_both_lines(tmp_path, which):
    inputs, outputs = batch_files(tmp_path)
    path = inputs if which == "in" else outputs
    rows = path.read_text().splitlines()
    path.write_text("\n".join(rows + ["", rows[1]]) + "\n")
    with pytest.raises(ConfigError, match=rf"{which}.jsonl:{len(rows) + 2}: custom_id "
                                          rf"'req-\d' is on lines 2 and {len(rows) + 2}"):
        imported(inputs, batch_output=outputs)
    report, _, _ = imported(inputs, ImportOptions(skip_bad=True), batch_output=outputs)
    assert (report.bad_lines, report.output_bad_lines) == ((1, 0) if which == "in" else (0, 1))


def test_a_repeated_chat_log_id_names_both_lines(tmp_path):
    write_jsonl(tmp_path / "log.jsonl", [chat_line(1), chat_line(2), chat_line(1)])
    with pytest.raises(ConfigError, match=r"log.jsonl:3: id 'req-1' is on lines 1 and 3"):
        imported(tmp_path / "log.jsonl")


def test_a_batch_output_is_only_for_batch_logs(tmp_path):
    with pytest.raises(ConfigError, match="only for OpenAI Batch input logs"):
        imported(chat_log(tmp_path, 2), batch_output=batch_files(tmp_path)[1])


def test_named_fields_never_reach_any_output_file_chat_log(tmp_path, capsys):
    line = chat_line(0, user=MARKER, metadata={"user_id": MARKER, "email": MARKER, "team": "t"},
                     messages=[{"role": "system", "content": "policy"},
                               {"role": "user", "content": f"call me at {MARKER}"}])
    log = write_jsonl(tmp_path / "log.jsonl", [line, chat_line(1, user=MARKER)])
    options = ImportOptions(hash_fields=("user", "metadata.user_id", "messages.1.content"),
                            drop_fields=("metadata.email",),
                            keep_fields=("metadata.user_id", "metadata.team"),
                            salt_env="TEAM_SALT")
    report = import_log(log, options, output=tmp_path / "out" / "t.jsonl",
                        environ={"TEAM_SALT": SALT})
    assert MARKER not in every_file_text(tmp_path / "out") + report.text()
    items = load_jsonl(tmp_path / "out" / "t.jsonl")
    assert items[0].facts["user"] == items[1].facts["user"]  # one user, one hash
    assert items[0].facts["user"].startswith("sha256:") and items[0].user.startswith("sha256:")
    assert items[0].facts["kept"] == {"metadata.user_id": items[0].facts["user"],
                                      "metadata.team": "t"}
    assert report.deidentified == {"metadata.email": 1, "user": 2, "metadata.user_id": 1,
                                   "messages.1.content": 2}


def test_named_fields_never_reach_any_output_file_batch(tmp_path):
    inputs = write_jsonl(tmp_path / "in.jsonl", [
        batch_input(0, user=MARKER) | {"custom_id": MARKER}, batch_input(1, user=MARKER)])
    outputs = write_jsonl(tmp_path / "out.jsonl", [
        batch_output(0, content=f"dear {MARKER}") | {"custom_id": MARKER}, batch_output(1)])
    options = ImportOptions(hash_fields=("custom_id", "body.user"),
                            drop_fields=("response.body.choices",))
    report = import_log(inputs, options, output=tmp_path / "o" / "t.jsonl", batch_output=outputs)
    assert MARKER not in every_file_text(tmp_path / "o") + report.text()
    answers = load_answers(tmp_path / "o" / "t.answers.jsonl")
    assert answers[0].id.startswith("sha256:") and answers[0].status == "ok"  # still joined
    assert answers[0].answer is None and answers[0].prompt_tokens == 100
    assert report.inputs_without_output == 0
    assert any("random salt" in note for note in report.notes)


def test_a_misspelt_field_is_reported(tmp_path):
    report, _, _ = imported(chat_log(tmp_path, 2), ImportOptions(drop_fields=("usr",)))
    assert any("usr was found in no line" in note for note in report.notes)


def test_the_sample_is_exact_reproducible_and_in_log_order(tmp_path):
    log = chat_log(tmp_path, 50)
    report, items, answers = imported(log, ImportOptions(sample=7, seed=1))
    ids = [i.id for i in items]
    assert len(ids) == 7 and [a.id for a in answers] == ids
    assert ids == sorted(ids, key=lambda i: int(i.split("-")[1]))
    assert (report.sampled_out, report.sample_fraction) == (43, 7 / 50)
    again = import_log(log, ImportOptions(sample=7, seed=1, overwrite=True),
                       output=tmp_path / "out" / "traffic.jsonl")
    assert [i.id for i in load_jsonl(again.workload)] == ids
    other = import_log(log, ImportOptions(sample=7, seed=2, overwrite=True),
                       output=tmp_path / "out" / "traffic.jsonl")
    assert [i.id for i in load_jsonl(other.workload)] != ids
    assert imported(chat_log(tmp_path, 3), ImportOptions(sample=7, overwrite=True))[0].imported == 3


def test_time_window_and_tags_filter_before_the_sample(tmp_path):
    log = chat_log(tmp_path, 20)
    options = ImportOptions(since="2025-05-01T00:05:00Z", until="2025-05-01T00:15:00Z",
                            tags=("even",), sample=3)
    report, items, _ = imported(log, options)
    assert (report.outside_window, report.not_tagged, report.sampled_out) == (10, 5, 2)
    assert len(items) == 3 and all(5 <= int(i.id[4:]) < 15 and int(i.id[4:]) % 2 == 0
                                   for i in items)


def test_a_batch_window_uses_the_output_times(tmp_path):
    inputs, outputs = batch_files(tmp_path)
    report, items, _ = imported(inputs, ImportOptions(until="2025-05-01T00:02:00Z"),
                                batch_output=outputs)
    assert [i.id for i in items] == ["req-0"]  # req-4 came later; the others carry no time:
    assert report.no_timestamp == 4 and report.outside_window == 1  # errors, no output


@pytest.mark.parametrize("options, message", [
    (ImportOptions(since="2026-01-01"), r"the time window \[2026-01-01T00:00:00\+00:00, the "
                                        r"end\) left out 4 lines \(0 without a timestamp\)"),
    (ImportOptions(tags=("vip",)), r"the tag filter \(vip\) left out 4 lines"),
])
def test_nothing_left_names_the_filter_and_writes_nothing(tmp_path, options, message):
    with pytest.raises(ConfigError, match=f"no requests left to import from .*: {message}"):
        imported(chat_log(tmp_path, 4), options)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_batch_window_without_outputs_says_why(tmp_path):
    with pytest.raises(ConfigError, match="4 without a timestamp.*give the output file"):
        imported(write_jsonl(tmp_path / "in.jsonl", [batch_input(i) for i in range(4)]),
                 ImportOptions(since="2025-01-01"))


def test_a_log_in_neither_format_names_the_formats_and_the_line(tmp_path):
    log = write_jsonl(tmp_path / "x.jsonl", ["", {"prompt": "p", "completion": "c"}])
    with pytest.raises(ConfigError, match=r"x.jsonl:2 is in no log format .* known formats: "
                                          r"openai-batch .*; chat-log"):
        imported(log)


def test_a_bad_line_stops_the_import_naming_its_number_and_leaves_no_output(tmp_path):
    rows = [chat_line(0), chat_line(1), chat_line(2, usage={"prompt_tokens": "many"}),
            "{not json", [1, 2], chat_line(5)]
    log = write_jsonl(tmp_path / "log.jsonl", rows)
    with pytest.raises(ConfigError, match=r"log.jsonl:3: usage.prompt_tokens must be a whole"):
        imported(log)
    assert not any((tmp_path / "out").glob("*")) if (tmp_path / "out").exists() else True
    report, items, _ = imported(log, ImportOptions(skip_bad=True))
    assert (report.lines_read, report.bad_lines, report.imported) == (6, 3, 3)
    assert [i.id for i in items] == ["req-0", "req-1", "req-5"]
    assert "log.jsonl:4: not JSON" in report.bad_examples[1]
    assert "log.jsonl:5: not a JSON object" in report.bad_examples[2]


def test_a_bad_first_line_is_named_unless_skipped(tmp_path):
    log = write_jsonl(tmp_path / "log.jsonl", ["{oops", chat_line(1)])
    with pytest.raises(ConfigError, match=r"log.jsonl:1: not JSON"):
        imported(log)
    assert imported(log, ImportOptions(skip_bad=True))[0].imported == 1


def test_empty_and_missing_logs(tmp_path):
    with pytest.raises(ConfigError, match="holds no JSON lines"):
        imported(write_jsonl(tmp_path / "e.jsonl", [""]))
    with pytest.raises(ConfigError, match="does not exist"):
        imported(tmp_path / "nope.jsonl")


def test_outputs_are_not_overwritten_unless_asked(tmp_path):
    log = chat_log(tmp_path, 2)
    imported(log)
    with pytest.raises(ConfigError, match="traffic.jsonl exists; pass overwrite"):
        imported(log)
    with pytest.raises(ConfigError, match="would overwrite an input file"):
        import_log(log, output=log)


def test_multi_turn_requests_keep_their_turns(tmp_path):
    log = write_jsonl(tmp_path / "log.jsonl", [chat_line(0, messages=[
        {"role": "user", "content": "q1"}, {"role": "assistant", "content": "a1"},
        {"role": "user", "content": "q2"}])])
    report, items, _ = imported(log)
    assert items[0].user == "q2" and items[0].facts["turns"][1] == {"role": "assistant",
                                                                     "content": "a1"}
    assert report.multi_turn == 1 and any("several turns" in n for n in report.notes)


def test_the_log_is_streamed_not_read_whole(tmp_path, monkeypatch):
    log = chat_log(tmp_path, 5)

    def whole(*args, **kwargs):
        raise AssertionError("read whole")

    monkeypatch.setattr(Path, "read_text", whole)
    monkeypatch.setattr(Path, "read_bytes", whole)
    report = import_log(log, ImportOptions(sample=2), output=tmp_path / "o.jsonl")
    assert report.imported == 2
