"""The output side: levers that cut what a model writes (structured outputs, output caps and
stop sequences, offline batches); the early stop of a cascade lives in llmopt.route."""

from llmopt.output.batch import (
    BatchLine,
    BatchRun,
    batch_args,
    read_batch_output,
    run_batch,
    write_batch,
)
from llmopt.output.caps import cap_effect, cap_from_lengths
from llmopt.output.structured import SERVER_ARGS, json_schema_format, malformed, malformed_share

__all__ = ["SERVER_ARGS", "BatchLine", "BatchRun", "batch_args", "cap_effect",
           "cap_from_lengths", "json_schema_format", "malformed", "malformed_share",
           "read_batch_output", "run_batch", "write_batch"]
