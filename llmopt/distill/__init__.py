"""Distillation: a served teacher labels requests, a student learns from it.

`teacher_labels` asks the served teacher and keeps only the schema-valid answers;
`train_student` trains a student by a `StudentRecipe`, sequence-level (TRL SFTTrainer on the
teacher's answers) or token-level (TRL DistillationTrainer on the teacher's distribution), and
writes a servable folder with its manifest.
"""

from llmopt.distill.labels import Label, Labels, require_labels, teacher_labels
from llmopt.distill.recipe import METHODS, LoraSpec, StudentRecipe
from llmopt.distill.student import StudentManifest, read_manifest, train_student

__all__ = ["METHODS", "Label", "Labels", "LoraSpec", "StudentManifest", "StudentRecipe",
           "read_manifest", "require_labels", "teacher_labels", "train_student"]
