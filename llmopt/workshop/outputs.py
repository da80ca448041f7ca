"""What an executed notebook shows that the lesson did not measure: warnings, log lines, errors.

A participant should see the lesson's results and nothing they must learn to ignore. `noise`
lists every output line of an executed notebook that is a third-party warning or a log line, and
every error, as (cell index, line):

    from llmopt.workshop.outputs import noise
    noise(nbformat.read("results/demo/08_router_fallback.ipynb", as_version=4))   # [] when clean

A lesson prints to stdout and displays tables and charts; stderr is where libraries talk, so
every line on stderr counts (a logger with no handler prints there through logging's last
resort, as the bare message: bitsandbytes' "Failed to load CPU gemm_4bit_forward ..."), and a
line on stdout counts when one of PATTERNS matches it. Case matters: a lesson's own
"warning: fp8 runs on ..." (notebook 04's planner) is a result, "WARNING" and "UserWarning:" are
not.
"""

from __future__ import annotations

import re

import nbformat

PATTERNS: tuple[re.Pattern[str], ...] = (
    # Python's warnings module: "file.py:12: UserWarning: message" (any *Warning category), and
    # libraries that print "Warning: ..." themselves.
    re.compile(r"\b[A-Za-z]*Warning:"),
    # A named warning category anywhere on the line ("FutureWarning" in a repr or a message).
    re.compile(r"\b(?:User|Future|Deprecation|PendingDeprecation|Runtime|Resource)Warning\b"),
    # The source line Python prints under a warning: "  warnings.warn(".
    re.compile(r"\bwarnings\.warn\("),
    # torch's ONNX exporter without torchvision: "torchvision is not installed. Skipping ...".
    re.compile(r"Skipping torchvision"),
    # ONNX Runtime's quantizer: "Please consider to run pre-processing before quantization".
    re.compile(r"consider to run pre-processing"),
    # A log level in capitals, in any layout: logging's "WARNING:root:", loguru's "| WARNING -".
    re.compile(r"\bWARNING\b"),
    # A line that opens with a level: "INFO:httpx:...", vLLM's "INFO 12-05 07:38:00 [api.py]".
    re.compile(r"^(?:DEBUG|INFO|WARNING|ERROR|CRITICAL)(?::|\s+\d)"),
    # vLLM's process prefix: "(APIServer pid=123) INFO ...", "(EngineCore_DP0 pid=124) ...".
    re.compile(r"^\(\w+ pid=\d+\)"),
    # A timestamp then a level: "2026-12-05 07:38:00,123 - x - INFO - ...", loguru's layout.
    re.compile(r"^\[?\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}\S*.*\b(?:DEBUG|INFO|WARNING|ERROR)\b"),
    # glog/absl layout (torch's C++ side): "W1204 21:45:30.920000 11297 file.py:56] ...".
    re.compile(r"^[DIWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d+ +\d+ "),
    # Jupyter/tornado layout: "[W 07:38:00.123 ServerApp] ...", "[I 2026-12-05 07:38:00.123 ...]".
    re.compile(r"^\[[DIWEC] (?:\d{4}-\d{2}-\d{2} )?\d{2}:\d{2}:\d{2}"),
)


def noisy(line: str) -> bool:
    """Whether a line of stdout is a warning or a log line."""
    return any(pattern.search(line) for pattern in PATTERNS)


def noise(nb: nbformat.NotebookNode) -> list[tuple[int, str]]:
    """(cell index, line) for every warning or log line and every error in `nb`'s outputs: all
    of stderr, the lines of stdout that `noisy` flags, an error output as "Name: value"."""
    found = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                found.append((index, f"{output.ename}: {output.evalue}"))
            elif output.output_type == "stream":
                text = output.text if isinstance(output.text, str) else "".join(output.text)
                found += [(index, line) for line in text.splitlines()
                          if line.strip() and (output.name == "stderr" or noisy(line))]
    return found
