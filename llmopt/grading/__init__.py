"""Quality without gold labels: a team's own grader, or agreement with a reference answer.

    from llmopt.grading import choose_metric, grader_for, load_grader, strong_references
    references = strong_references(strong_answers)        # or recorded_references(items, log)
    grader, why = grader_for(profile.quality_grader, references, judge=judge_tier)
    grades = grader.grade_all(candidate_texts, items, references)

The parts: `base` (the `Grader` and its `Grade`), `spec` (a `module:function` reference's
format), `custom` (a team's grading function, `load_grader`), `reference` (the strong model's
or a log's answers as references), `json_fields` (exact match on a JSON reference's fields),
`prompt` and `verdict` (the judge's prompt, `judge_prompt.md`, and its strictly parsed reply),
`judge` (a judge model through a `llmopt.route.Tier`), `metric` (`choose_metric`,
`grader_for`), `agreement` (rate, Cohen's kappa, confusion, intervals) and `trust` (how far
a metric agrees with the demo grader's truth) and `referenced` (`with_references`: items without
gold answers graded against the strong model's or the log's answers, as notebooks 01 and 08 do
on the api profile). See docs/grading.md.
"""

from llmopt.grading.agreement import LABELS, Agreement, agreement, agreement_of, agreement_table
from llmopt.grading.base import Bill, Grade, Grader, Reference, grades_frame
from llmopt.grading.custom import FunctionGrader, load_grader
from llmopt.grading.json_fields import JsonFields
from llmopt.grading.judge import RESPONSE_FORMAT, Judge
from llmopt.grading.metric import MetricChoice, choose_metric, grader_for
from llmopt.grading.prompt import JudgePrompt, judge_messages, judge_prompt
from llmopt.grading.reference import (
    as_object,
    recorded_references,
    reference_text,
    strong_references,
)
from llmopt.grading.referenced import Referenced, with_references
from llmopt.grading.spec import check_spec, split_spec
from llmopt.grading.trust import Trust, demo_truth, measure_trust
from llmopt.grading.verdict import Verdict, parse_verdict

METRICS: dict[str, type[Grader]] = {"json_fields": JsonFields, "judge": Judge}
"""The agreement metrics used where a profile names no grader, by name."""

__all__ = [
    "LABELS",
    "METRICS",
    "RESPONSE_FORMAT",
    "Agreement",
    "Bill",
    "FunctionGrader",
    "Grade",
    "Grader",
    "Judge",
    "JsonFields",
    "JudgePrompt",
    "MetricChoice",
    "Reference",
    "Referenced",
    "Trust",
    "Verdict",
    "agreement",
    "agreement_of",
    "agreement_table",
    "as_object",
    "check_spec",
    "choose_metric",
    "demo_truth",
    "grader_for",
    "grades_frame",
    "judge_messages",
    "judge_prompt",
    "load_grader",
    "measure_trust",
    "parse_verdict",
    "recorded_references",
    "reference_text",
    "split_spec",
    "strong_references",
    "with_references",
]
