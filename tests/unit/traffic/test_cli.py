"""`llmopt import` end to end on tiny generated logs."""

from typer.testing import CliRunner

from llmopt.cli import app
from llmopt.traffic import load_answers
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

RUN = CliRunner()


def test_import_a_chat_log_with_sampling_and_hashing(tmp_path):
    log = write_jsonl(tmp_path / "log.jsonl", [chat_line(i, user=MARKER) for i in range(20)])
    out = tmp_path / "out" / "traffic.jsonl"
    result = RUN.invoke(app, ["import", str(log), "--output", str(out), "--sample", "5",
                              "--seed", "3", "--tag", "even", "--hash", "user",
                              "--salt-env", "TEAM_SALT"], env={"TEAM_SALT": SALT})
    assert result.exit_code == 0, result.output
    assert "20 lines read" in result.output and "imported          5" in result.output
    assert "not tagged        10" in result.output and "sampled out       5" in result.output
    assert len(load_jsonl(out)) == 5 and len(load_answers(tmp_path / "out" /
                                                          "traffic.answers.jsonl")) == 5
    assert MARKER not in every_file_text(tmp_path / "out") + result.output


def test_import_a_batch_with_its_output(tmp_path):
    inputs = write_jsonl(tmp_path / "in.jsonl", [batch_input(i) for i in range(3)])
    outputs = write_jsonl(tmp_path / "out.jsonl", [batch_output(0), batch_output(
        1, error={"message": "expired"})])
    result = RUN.invoke(app, ["import", str(inputs), "--batch-output", str(outputs)])
    assert result.exit_code == 0, result.output
    assert "(ok 1, error 1, missing answer 1)" in result.output
    assert "inputs without output 1; outputs without input 0" in result.output
    assert (tmp_path / "in.workload.answers.jsonl").is_file()


def test_bad_input_exits_2_with_the_reason(tmp_path):
    log = write_jsonl(tmp_path / "log.jsonl", [chat_line(0), {"id": "x", "prompt": "x"}])
    result = RUN.invoke(app, ["import", str(log)])
    assert result.exit_code == 2 and "log.jsonl:2: no messages logged" in result.output
    result = RUN.invoke(app, ["import", str(log), "--since", "yesterday"])
    assert result.exit_code == 2 and "since: Input should be a valid datetime" in result.output
    result = RUN.invoke(app, ["import", str(log), "--skip-bad", "--tag", "vip"])
    assert result.exit_code == 2 and "the tag filter (vip) left out 1 lines" in result.output
