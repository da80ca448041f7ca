"""Your own traffic: a team's logs (OpenAI Batch files, gateway and LiteLLM exports) turned
into a workload the cookbook replays and the answers and tokens it was billed for.

    from llmopt.traffic import ImportOptions, import_log, load_answers
    report = import_log("requests.jsonl", ImportOptions(sample=1000, hash_fields=("user",)),
                        output="traffic.jsonl")
    items = llmopt.workload.load_jsonl("traffic.jsonl")
    answers = load_answers("traffic.answers.jsonl")

The parts: `options` (what to keep and hide), `lines` (streamed reading), `deidentification`
(hash or drop named fields before anything else sees them), `formats/` (one file per log
format), `call` (a logged request and its workload item), `answer` (the recorded answer),
`reservoir` (the sample), `report` (every line counted) and `importer` (where they meet).
See docs/own-traffic.md.
"""

from llmopt.traffic.answer import RecordedAnswer, answers_path, iter_answers, load_answers
from llmopt.traffic.call import Conversation, LoggedCall
from llmopt.traffic.deidentification import Deidentifier
from llmopt.traffic.formats import FORMATS, BatchOutputs, ChatLog, LogFormat, OpenAIBatch, detect
from llmopt.traffic.importer import default_output, import_log
from llmopt.traffic.options import ImportOptions
from llmopt.traffic.report import ImportReport, report_path
from llmopt.traffic.reservoir import Reservoir

__all__ = [
    "FORMATS",
    "BatchOutputs",
    "ChatLog",
    "Conversation",
    "Deidentifier",
    "ImportOptions",
    "ImportReport",
    "LogFormat",
    "LoggedCall",
    "OpenAIBatch",
    "RecordedAnswer",
    "Reservoir",
    "answers_path",
    "default_output",
    "detect",
    "import_log",
    "iter_answers",
    "load_answers",
    "report_path",
]
