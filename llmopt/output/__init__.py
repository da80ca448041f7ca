"""The output side: levers that cut what a model writes (structured outputs, output caps and
stop sequences, offline batches); the early stop of a cascade lives in llmopt.route."""

from llmopt.output.batch import (
    BatchLine,
    BatchRun,
    api_batch_change,
    batch_args,
    compare_batch,
    read_batch_output,
    run_batch,
    write_batch,
)
from llmopt.output.caps import cap_from_lengths, would_cut
from llmopt.output.settings import BASELINE, output_settings
from llmopt.output.structured import (
    SERVER_ARGS,
    json_schema_format,
    malformed,
    malformed_share,
    structured_effect,
)
from llmopt.output.table import output_table

__all__ = ["BASELINE", "SERVER_ARGS", "BatchLine", "BatchRun", "api_batch_change", "batch_args",
           "cap_from_lengths", "compare_batch", "json_schema_format", "malformed",
           "malformed_share", "output_settings", "output_table",
           "read_batch_output", "run_batch", "structured_effect", "would_cut", "write_batch"]
