from llmopt.bench import BenchResult, ResultsStore, StageRun

from .records import record


def test_load_reads_records_and_stage_runs(tmp_path) -> None:
    path = tmp_path / "results.jsonl"
    store = ResultsStore(path)
    for n in range(3):
        store.append(record(n))
    store.add_stage(StageRun(stage="synchronous", profile={}, session="s1", started_s=0,
                             ended_s=1, sent=3))
    loaded = BenchResult.load(path)
    assert loaded.records == store.records and loaded.stages == store.stages
    assert loaded.path == path and loaded.summary().iloc[0]["requests"] == 3


def test_load_without_stages_file(tmp_path) -> None:
    path = tmp_path / "plain.jsonl"
    path.write_text(record(0).model_dump_json() + "\n")
    assert BenchResult.load(path).stages == []
