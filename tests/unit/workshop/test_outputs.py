import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from llmopt.workshop import outputs


def notebook(*outs):
    """A notebook whose code cell i (at index 2i+1, after a markdown cell) has outs[i]."""
    cells = []
    for out in outs:
        cells += [new_markdown_cell("## step"), new_code_cell("x = 1", outputs=out)]
    return new_notebook(cells=cells)


def stdout(text):
    return [new_output("stream", name="stdout", text=text)]


def stderr(text):
    return [new_output("stream", name="stderr", text=text)]


CAUGHT = [
    # one line per pattern, as the libraries print them
    "/x/site-packages/foo.py:12: UserWarning: the default will change",
    "Warning: this library prints its own warnings",
    "  warnings.warn(",
    "RuntimeWarning raised in a repr",
    "/x/site-packages/bar.py:3: FutureWarning: `dtype` is deprecated",
    "torchvision is not installed. Skipping torchvision::nms",
    "Please consider to run pre-processing before quantization. Refer to example: https://x/ReadMe.md",
    "WARNING:root:something odd",
    "INFO:httpx:HTTP Request: POST http://127.0.0.1:8000/v1/completions \"HTTP/1.1 200 OK\"",
    "INFO 12-05 07:38:00 [api_server.py:1] vLLM API server version 0.32.0",
    "(APIServer pid=4242) INFO 12-05 07:38:00 [launcher.py:1] Route: /health",
    "(EngineCore_DP0 pid=4243) the engine says something",
    "2026-12-05 07:38:00,123 - llmopt - INFO - started",
    "2026-12-04T21:45:30.6941 | get_main_device | WARNING - No accelerator available!",
    "W1204 21:45:30.920000 11297 /x/torch/fx/_symbolic_trace.py:56] is_fx_tracing will return",
    "[W 07:38:00.123 ServerApp] a kernel restarted",
    "[I 2026-12-05 07:38:00.123 ServerApp] Jupyter Server is running",
]


@pytest.mark.parametrize("line", CAUGHT)
def test_each_pattern_catches_its_line_on_stdout(line):
    nb = notebook(stdout(f"a result\n{line}\n"))
    assert outputs.noise(nb) == [(1, line)]


def test_every_pattern_catches_a_line_of_its_own():
    for pattern in outputs.PATTERNS:
        assert any(pattern.search(line) for line in CAUGHT), pattern.pattern


@pytest.mark.parametrize("line", [
    "120 requests; priced as: demo:large (simulation: demo model priced as openai/gpt-5-mini)",
    "warning: fp8 runs on vLLM's fast kernels from compute capability 8.9",  # a lesson's result
    "error: tensor parallel size 3 must divide the 32 attention heads",
    '  "created_at": "2026-12-04T21:45:30+00:00",',
    "threshold 0.5942 (chosen on 40 calibration requests); judged on 40 held-out requests",
    "   scheme  accuracy  info_bits",
    "0  awq_w4a16     0.912          4",
    "all checks passed",
])
def test_ordinary_results_are_not_caught(line):
    assert outputs.noise(notebook(stdout(line + "\n"))) == []


def test_stderr_counts_whole_and_cells_are_told_apart():
    nb = notebook(stdout("fine\n"),
                  stderr("Failed to load CPU gemm_4bit_forward from kernels-community\n\n"),
                  stdout("fine too\n") + stderr("MatMul8bitLt: inputs will be cast\n"))
    assert outputs.noise(nb) == [
        (3, "Failed to load CPU gemm_4bit_forward from kernels-community"),
        (5, "MatMul8bitLt: inputs will be cast")]


def test_an_error_output_counts():
    error = new_output("error", ename="ValueError", evalue="bad", traceback=["..."])
    assert outputs.noise(notebook([error])) == [(1, "ValueError: bad")]


def test_tables_charts_and_widgets_are_not_caught():
    table = new_output("execute_result", execution_count=1, data={
        "text/html": "<table><tr><th>WARNING</th></tr></table>", "text/plain": "   WARNING\n0  1"})
    chart = new_output("display_data", data={"image/svg+xml": "<svg/>", "text/plain": "chart"})
    widget = new_output("display_data", data={
        "application/vnd.jupyter.widget-view+json": {"model_id": "x", "version_major": 2,
                                                     "version_minor": 0},
        "text/plain": "HBox(children=(...))"})
    assert outputs.noise(notebook([table, chart, widget])) == []


def test_markdown_cells_have_no_outputs():
    assert outputs.noise(new_notebook(cells=[new_markdown_cell("WARNING: read this")])) == []
