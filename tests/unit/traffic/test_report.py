from llmopt.traffic.options import ImportOptions
from llmopt.traffic.report import MAX_EXAMPLES, ImportReport, report_path


def report(**counts):
    return ImportReport(log="l.jsonl", format="chat-log", workload="w.jsonl",
                        answers="w.answers.jsonl", options=ImportOptions(), **counts)


def test_counts_and_the_sample_fraction():
    got = report(lines_read=10, imported=2, sampled_out=6, outside_window=1, not_tagged=1)
    assert got.accounted == 10 and got.sample_fraction == 0.25
    assert report().sample_fraction == 0.0


def test_bad_lines_are_all_counted_a_few_kept():
    got = report()
    for i in range(MAX_EXAMPLES + 2):
        got.bad(f"line {i}")
    got.bad("out", output=True)
    assert got.bad_lines == MAX_EXAMPLES + 2 and got.output_bad_lines == 1
    assert len(got.bad_examples) == MAX_EXAMPLES


def test_text_shows_what_happened_and_the_report_round_trips():
    got = report(lines_read=3, imported=2, ok=1, errors=1, sampled_out=1,
                 deidentified={"user": 3}, notes=["a note"])
    text = got.text()
    assert "3 lines read" in text and "sampled out       1" in text
    assert "de-identified user: found in 3 lines" in text and "note: a note" in text
    assert ImportReport.model_validate_json(got.model_dump_json()) == got
    assert report_path("dir/t.jsonl").as_posix() == "dir/t.import.json"
